import { tracingChannel } from 'node:diagnostics_channel';
import { hostname } from 'node:os';
import type { Bindings, DestinationStream, Logger } from 'pino';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, setLogRedactor } from '../logger.js';
import { mergeLine, writeRequestLine } from './request-line-writer.js';
import { RequestLogger } from './request-logger.js';
import { terminalSafeLine } from './terminal-safe-line.js';

function memorySink(): DestinationStream & { text: () => string } {
  const chunks: string[] = [];
  return { write: (chunk: string) => void chunks.push(chunk), text: () => chunks.join('') };
}

// Fastify wraps the logger it is given in a child with its own serializers
// (fastify/lib/logger-pino.js): the logger request loggers actually get.
function asFastifyDoes(root: Logger): Logger {
  return root.child(
    {},
    { serializers: { req: (r) => r, res: (r) => r, err: pino.stdSerializers.err } },
  );
}

const shapes = [
  { name: 'the root made by createLogger', wrap: (root: Logger) => root },
  { name: "Fastify's child of it", wrap: asFastifyDoes },
];

// A seeded generator, so that a failure can be replayed.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const apiKey = `rmp_prod_${'A1b2C3d4E5'.repeat(3)}`;
const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl';
const awkward = [
  '',
  'plain',
  'quote " and backslash \\',
  '\\"',
  'tab\tnew\nline\r\u0000\u001f',
  '\u007f del, \u2028 \u2029 separators',
  'lone \ud800 high, lone \udfff low, pair 😀',
  'é ü 中文',
  '%s %d %j %%',
  `key ${apiKey} inside`,
  `jwt ${jwt}`,
  'x'.repeat(101),
  `${'"'.repeat(60)}${'\\'.repeat(60)}`,
  `${'y'.repeat(99)}\u0001`,
];

function generate(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const text = () => pick(awkward);
  const status = pick([200, 201, 204, 301, 404, 401, 500, 503]);
  const line: Record<string, unknown> = {
    method: pick(['GET', 'POST', 'DELETE', text()]),
    route: pick(['/v1/users/:id', '/v1/auth/whoami', null, `/v1/${text()}`]),
    url: `/v1/${text()}/${text()}?q=${text()}`,
    status,
    ms: pick([0, 1, 12, 1.5, 0.07, 123.45, Math.round(next() * 1e6) / 100, Number.NaN, -0]),
    ip: pick(['127.0.0.1', '::1', '::ffff:10.0.0.1', '2001:db8::8a2e:370:7334', text()]),
  };
  if (next() < 0.5) line.principal = pick(['01a22705-c6ce-73bc-9c89-d94acdfbe0a8', text()]);
  const base: Bindings = { reqId: pick(['req-1', `req-${Math.floor(next() * 1e9)}`, text()]) };
  const route =
    next() < 0.8
      ? {
          action: pick(['read', 'create', undefined, text()]),
          resource: pick(['/v1/x/:id', text()]),
        }
      : undefined;
  const extras: Bindings[] = [];
  if (next() < 0.6) extras.push({ userId: text(), apiKeyId: pick([text(), undefined]) });
  // Keys pino serializes or redacts, sensitive names, a repeated key, odd values: each
  // sends the line through pino, which must not change a byte.
  if (next() < 0.3)
    extras.push(
      pick<Bindings>([
        { tenant: text(), flag: true, none: null },
        { token: 'secret' },
        { err: new Error('boom') },
        { reqId: 'again' },
        { url: undefined },
        { ip: 'spoofed', action: 'bound later' },
        { nested: { a: text() } },
        { count: 3n },
        { 'k"\\ey\n': text() },
      ]),
    );
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  return { base, route, extras, line, level, child: next() < 0.15 } as const;
}

describe('writeRequestLine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-29T12:00:00.123Z'));
  });
  afterEach(() => vi.useRealTimers());

  for (const shape of shapes) {
    it(`writes byte for byte what pino writes, through ${shape.name}`, () => {
      const [viaWriter, viaRequestLogger, viaPino] = [memorySink(), memorySink(), memorySink()];
      const writer = shape.wrap(createLogger({ level: 'info', destination: viaWriter }));
      const requests = shape.wrap(createLogger({ level: 'info', destination: viaRequestLogger }));
      const reference = shape.wrap(createLogger({ level: 'info', destination: viaPino }));
      const next = random(20261129);
      let written = 0;
      for (let i = 0; i < 3000; i++) {
        const { base, route, extras, line, level, child } = generate(next);
        const extra = extras.length > 0 ? Object.assign({}, ...extras) : undefined;
        // What RequestLogger wrote before the writer existed, spelt differently.
        const bound = {
          ...base,
          ...(route?.action !== undefined ? { action: route.action } : {}),
          ...(route ? { resource: route.resource } : {}),
        };
        // A materialised child: pino's child with the bindings, then each setBindings.
        const pinoChild = (logger: Logger) => {
          const c = logger.child(bound);
          for (const bindings of extras) c.setBindings(bindings);
          return c;
        };
        if (child) pinoChild(reference)[level](line, 'request');
        else reference[level]({ ...bound, ...extra, ...line }, 'request');

        const log = new RequestLogger(requests, base, route);
        if (child) log.child({});
        for (const bindings of extras) log.setBindings(bindings);
        log.writeLine(level, line, 'request');

        if (child) pinoChild(writer)[level](line, 'request');
        else if (writeRequestLine(writer, level, base, route, extra, line, 'request')) written++;
        else writer[level](mergeLine(base, route, extra, line), 'request');
      }
      expect(viaRequestLogger.text()).toBe(viaPino.text());
      expect(viaWriter.text()).toBe(viaPino.text());
      // Most lines take the writer: the property is about it, not about the fallback.
      expect(written).toBeGreaterThan(1500);
    });
  }

  it('marks a line as checked for terminals only when no piece of it needs the check', () => {
    const checked: string[] = [];
    const unchecked: string[] = [];
    const sink = {
      write: (line: string) => void unchecked.push(line),
      writeTerminalSafe: (line: string) => {
        checked.push(line);
        return true;
      },
    };
    const reference = memorySink();
    const writer = createLogger({ level: 'info', destination: sink as DestinationStream });
    const pinoLogger = createLogger({ level: 'info', destination: reference });
    const next = random(20261130);
    const order: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const { base, route, extras, line, level } = generate(next);
      const extra = extras.length > 0 ? Object.assign({}, ...extras) : undefined;
      const before = checked.length;
      if (!writeRequestLine(writer, level, base, route, extra, line, 'request'))
        writer[level](mergeLine(base, route, extra, line), 'request');
      pinoLogger[level](mergeLine(base, route, extra, line), 'request');
      order.push(
        checked.length > before ? (checked.at(-1) as string) : (unchecked.at(-1) as string),
      );
    }
    // Whatever went out as checked is exactly what the terminal check would let through.
    for (const line of checked) expect(terminalSafeLine(line)).toBe(line);
    // Lines that hold something for the check went the usual way.
    expect(unchecked.some((line) => terminalSafeLine(line) !== line)).toBe(true);
    // Some generated lines are plain ASCII throughout and skip the check (a real request
    // line nearly always is: below); nothing changed a byte either way.
    expect(checked.length).toBeGreaterThan(5);
    expect(order.join('')).toBe(reference.text());

    checked.length = 0;
    unchecked.length = 0;
    const plain = { method: 'GET', route: '/v1/me', url: '/v1/me', status: 200, ms: 1.5 };
    writeRequestLine(writer, 'info', { reqId: 'r-1' }, undefined, undefined, plain, 'request');
    writeRequestLine(
      writer,
      'info',
      { reqId: 'r-2' },
      undefined,
      undefined,
      { ...plain, url: '/v1/\u009b[2J' },
      'request',
    );
    writeRequestLine(
      writer,
      'info',
      { reqId: 'r-3' },
      undefined,
      undefined,
      { ...plain, ip: '\u007f' },
      'request',
    );
    writeRequestLine(
      writer,
      'info',
      { reqId: 'r-4' },
      undefined,
      undefined,
      { ...plain, ip: 'é' },
      'request',
    );
    expect(checked).toHaveLength(1);
    expect(checked[0]).toContain('"reqId":"r-1"');
    expect(unchecked).toHaveLength(3);
  });

  it('takes the plain request line, and writes it at the logger level only', () => {
    // What every line of the logger starts with: which process on which host wrote it.
    const head = `{"level":"%s","time":"2026-11-29T12:00:00.123Z","pid":${process.pid},"hostname":${JSON.stringify(hostname())},"service":"rampart"`;
    const sink = memorySink();
    const logger = asFastifyDoes(createLogger({ level: 'warn', destination: sink }));
    const log = new RequestLogger(
      logger,
      { reqId: 'req-7' },
      { action: 'read', resource: '/v1/a' },
    );
    log.setBindings({ userId: 'u-1', apiKeyId: 'k-1' });
    const line = { method: 'GET', route: '/v1/a', url: '/v1/a', status: 200, ms: 1, ip: '::1' };
    log.writeLine('info', line, 'request');
    expect(sink.text()).toBe('');
    expect(writeRequestLine(logger, 'error', { reqId: 'r' }, undefined, undefined, line, 'm')).toBe(
      true,
    );
    // Written by the writer itself (it returned true), with the logger's base fields.
    expect(sink.text().split('\n')[0]).toBe(
      `${head.replace('%s', 'error')},"reqId":"r","method":"GET","route":"/v1/a","url":"/v1/a","status":200,"ms":1,"ip":"::1","msg":"m"}`,
    );
    log.writeLine('warn', { ...line, status: 404 }, 'request');
    expect(sink.text().split('\n')[1]).toBe(
      `${head.replace('%s', 'warn')},"reqId":"req-7","action":"read","resource":"/v1/a","userId":"u-1","apiKeyId":"k-1","method":"GET","route":"/v1/a","url":"/v1/a","status":404,"ms":1,"ip":"::1","msg":"request"}`,
    );
  });

  it('hands the line to a plugged-in redactor, through the children of the logger too', () => {
    const sink = memorySink();
    const root = createLogger({ level: 'info', destination: sink });
    const logger = asFastifyDoes(root);
    const line = { method: 'GET', url: '/v1/people/123-45-6789', status: 200, ms: 2, ip: '::1' };
    const write = () => {
      const log = new RequestLogger(logger, { reqId: 'r-1' }, undefined);
      log.writeLine('info', line, 'request');
      return (JSON.parse(sink.text().trim().split('\n').at(-1) as string) as { url: string }).url;
    };
    setLogRedactor(root, (l) => ({
      ...l,
      url: String(l.url).replace(/\d{3}-\d{2}-\d{4}/, '[ssn]'),
    }));
    expect(write()).toBe('/v1/people/[ssn]');
    expect(writeRequestLine(logger, 'info', { reqId: 'r' }, undefined, undefined, line, 'm')).toBe(
      false,
    );
    setLogRedactor(root, undefined);
    expect(write()).toBe('/v1/people/123-45-6789');
  });

  it('censors API keys and JWTs in every field, bindings included', () => {
    const sink = memorySink();
    const log = new RequestLogger(
      createLogger({ level: 'info', destination: sink }),
      { reqId: jwt },
      undefined,
    );
    log.setBindings({ userId: `owner of ${apiKey}` });
    log.writeLine('info', { url: `/v1/x/${apiKey}`, status: 200 }, 'request');
    expect(sink.text()).not.toContain(apiKey);
    expect(sink.text()).not.toContain(jwt);
    expect(sink.text()).toContain('"reqId":"[redacted]"');
  });

  it('routes by level through a multistream, as pino does', () => {
    const [all, errors] = [memorySink(), memorySink()];
    const destination = pino.multistream([
      { level: 'info', stream: all },
      { level: 'error', stream: errors },
    ]);
    const logger = createLogger({ level: 'info', destination });
    const line = { method: 'GET', url: '/', status: 200, ms: 1, ip: '::1' };
    expect(
      writeRequestLine(logger, 'info', { reqId: 'a' }, undefined, undefined, line, 'request'),
    ).toBe(true);
    expect(
      writeRequestLine(
        logger,
        'error',
        { reqId: 'b' },
        undefined,
        undefined,
        { ...line, status: 500 },
        'request',
      ),
    ).toBe(true);
    expect(all.text().match(/"reqId":"[ab]"/g)).toEqual(['"reqId":"a"', '"reqId":"b"']);
    expect(errors.text().match(/"reqId":"[ab]"/g)).toEqual(['"reqId":"b"']);
  });

  it("leaves the line to pino while something traces pino's formatting", () => {
    const logger = createLogger({ level: 'info', destination: memorySink() });
    const line = { status: 200 };
    const seen: unknown[] = [];
    const handlers = {
      start: (m: unknown) => void seen.push(m),
      end() {},
      asyncStart() {},
      asyncEnd() {},
      error() {},
    };
    const channel = tracingChannel('pino_asJson');
    channel.subscribe(handlers);
    try {
      const log = new RequestLogger(logger, { reqId: 'r' }, undefined);
      log.writeLine('info', line, 'request');
      expect(seen).toHaveLength(1);
    } finally {
      channel.unsubscribe(handlers);
    }
    expect(writeRequestLine(logger, 'info', {}, undefined, undefined, line, 'm')).toBe(true);
  });

  it('stands aside for loggers it does not know or whose output it would not match', () => {
    const line = { status: 200 };
    expect(
      writeRequestLine(pino({}, memorySink()), 'info', {}, undefined, undefined, line, 'm'),
    ).toBe(false);
    const own = createLogger({ level: 'info', destination: memorySink() });
    const reformatted = own.child({}, { formatters: { log: (o) => o } });
    expect(writeRequestLine(reformatted, 'info', {}, undefined, undefined, line, 'm')).toBe(false);
    // A pino whose line format changed: the writer sees it and leaves every line to pino.
    const changed = Object.create(
      createLogger({ level: 'info', destination: memorySink() }),
    ) as Logger;
    const asJson = pino.symbols.asJsonSym;
    const original = (changed as unknown as Record<symbol, (...a: unknown[]) => string>)[asJson];
    Object.defineProperty(changed, asJson, {
      value: (...a: unknown[]) => `${original?.apply(changed, a)} `,
    });
    expect(writeRequestLine(changed, 'info', {}, undefined, undefined, line, 'm')).toBe(false);
  });
});
