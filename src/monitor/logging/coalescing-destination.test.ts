import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coalesceLines, type LineSink } from './coalescing-destination.js';

function recordingSink() {
  const writes: string[] = [];
  const events: string[] = [];
  const sink: LineSink = {
    write(chunk) {
      writes.push(chunk);
      return true;
    },
    flush(cb) {
      events.push('flush');
      cb?.();
    },
    flushSync() {
      events.push('flushSync');
    },
  };
  return { sink, writes, events };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceLines', () => {
  it('hands the lines of one event-loop turn to the sink as one write, in order', async () => {
    const { sink, writes } = recordingSink();
    const dest = coalesceLines(sink);
    dest.write('a\n');
    dest.write('b\n');
    dest.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    dest.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
    dest.close();
  });

  it('hands pending lines over before flushing the sink', () => {
    const { sink, writes, events } = recordingSink();
    const dest = coalesceLines(sink);
    dest.write('a\n');
    dest.flushSync();
    expect(writes).toEqual(['a\n']);
    expect(events).toEqual(['flushSync']);
    dest.write('b\n');
    let flushed = false;
    dest.flush(() => {
      flushed = true;
    });
    expect(writes).toEqual(['a\n', 'b\n']);
    expect(flushed).toBe(true);
    dest.close();
  });

  it('hands the sink the turn with terminal controls escaped, as JSON escapes', async () => {
    const { sink, writes } = recordingSink();
    const dest = coalesceLines(sink);
    dest.write('{"ua":"a\u009b[2J"}\n');
    dest.write('{"path":"/\u202etxt\u2028"}\n');
    await nextTurn();
    expect(writes).toEqual(['{"ua":"a\\u009b[2J"}\n{"path":"/\\u202etxt\\u2028"}\n']);
    dest.write('{"ua":"\u009b"}\n');
    dest.flushSync();
    expect(writes.at(-1)).toBe('{"ua":"\\u009b"}\n');
    dest.close();
  });

  it('checks a turn once any of its lines came unchecked, and not when all came checked', async () => {
    const { sink, writes } = recordingSink();
    const dest = coalesceLines(sink);
    // The caller vouches for these lines (request-line-writer.ts checks them piece by
    // piece); a control in one shows that nothing scanned the turn again.
    dest.writeTerminalSafe('{"a":1}\n');
    dest.writeTerminalSafe('{"b":"\u009b"}\n');
    await nextTurn();
    expect(writes).toEqual(['{"a":1}\n{"b":"\u009b"}\n']);
    dest.writeTerminalSafe('{"c":"\u009b"}\n');
    dest.write('{"d":"\u202e"}\n');
    await nextTurn();
    expect(writes.at(-1)).toBe('{"c":"\\u009b"}\n{"d":"\\u202e"}\n');
    // The next turn starts unchecked-free again.
    dest.writeTerminalSafe('{"e":"\u009b"}\n');
    await nextTurn();
    expect(writes.at(-1)).toBe('{"e":"\u009b"}\n');
    dest.close();
  });

  it('loses no line logged just before the process exits (needs `npm run build`)', () => {
    const built = fileURLToPath(
      new URL('../../../dist/monitor/logging/log-destinations.js', import.meta.url),
    );
    if (!existsSync(built)) throw new Error('run `npm run build` first');
    const script = `
      const { openLogDestination } = await import(${JSON.stringify(built)});
      const { pino } = await import('pino');
      const dest = await openLogDestination({ level: 'info', stdout: true });
      const logger = pino({}, dest.stream);
      for (let i = 0; i < 500; i++) logger.info({ i }, 'line');
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status).toBe(0);
    const lines = child.stdout.trim().split('\n');
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines.at(-1) ?? '{}').i).toBe(499);
  });

  it('writes each turn to stdout itself: no thread-pool write per turn, nothing lost to a crash a turn later (needs `npm run build`)', () => {
    const built = fileURLToPath(
      new URL('../../../dist/monitor/logging/log-destinations.js', import.meta.url),
    );
    if (!existsSync(built)) throw new Error('run `npm run build` first');
    // An asynchronous write is an FSREQCALLBACK handed to libuv's thread pool: ~10 µs of
    // CPU per turn across threads, and lines still in flight when the process dies.
    const script = `
      const { createHook } = await import('node:async_hooks');
      const { openLogDestination } = await import(${JSON.stringify(built)});
      const { pino } = await import('pino');
      const dest = await openLogDestination({ level: 'info', stdout: true });
      const logger = pino({}, dest.stream);
      let fsRequests = 0;
      createHook({ init(_id, type) { if (type === 'FSREQCALLBACK') fsRequests += 1; } }).enable();
      for (let turn = 0; turn < 20; turn++) {
        for (let i = 0; i < 10; i++) logger.info({ turn, i }, 'line');
        await new Promise((resolve) => setImmediate(resolve));
      }
      setImmediate(() => {
        process.stderr.write('fs requests: ' + fsRequests + '\\n');
        process.kill(process.pid, 'SIGKILL');
      });
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stderr).toContain('fs requests: 0');
    const lines = child.stdout.trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ turn: 19, i: 9 });
  });
});
