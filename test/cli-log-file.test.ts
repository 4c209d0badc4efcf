import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnNode } from './support/spawn.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'rampart-log-file-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('rampart start with a log file', () => {
  it('writes every line to the file, including the last ones before exit, and nothing secret', async () => {
    const server = spawnNode([bin, 'start'], {
      cwd,
      env: {
        RAMPART_PORT: '0',
        RAMPART_LOG_STDOUT: 'false',
        RAMPART_LOG_FILE_PATH: join(cwd, 'logs', 'rampart.log'),
      },
    });
    let exited = false;
    try {
      const [, url] = await server.waitFor(/Listening on\s+(\S+)/);
      const res = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'file-log-check' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'a password never logged' }),
      });
      expect(res.status).toBe(401);
      server.child.kill('SIGTERM');
      expect((await server.exit()).code).toBe(0);
      exited = true;
    } finally {
      if (!exited) server.child.kill('SIGKILL');
    }
    // Nothing but the start banner on stdout: the lines went to the file.
    expect(server.output()).not.toContain('"level"');
    const files = readdirSync(join(cwd, 'logs'));
    expect(files).toEqual(['rampart.1.log']);
    const text = readFileSync(join(cwd, 'logs', 'rampart.1.log'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.reqId === 'file-log-check' && l.msg === 'request')).toMatchObject({
      status: 401,
      action: 'create',
      resource: '/v1/auth/login',
    });
    // Written just before process.exit: the file was flushed and closed first.
    expect(lines.at(-1)?.msg).toBe('shutdown complete');
    expect(text).not.toContain('a password never logged');
  });
});
