/*
 * Attack: terminal control through the log. JSON escapes only U+0000–U+001F, `"` and `\`,
 * so text a client chooses (a User-Agent recorded in a security event, a path parameter a
 * route binds to its log lines) reaches a JSON log line with a C1 control raw: CSI
 * (U+009B) starts an escape sequence on some terminals (clear the screen, recolour, move
 * the cursor, hide what follows). A bidi override (U+202E) reverses the text after it,
 * so the operator reads something other than what was logged (CVE-2021-42574, "Trojan
 * Source"); a line separator (U+2028) breaks the line in some viewers. An operator who
 * runs `tail -f` on the log file or watches stdout hands all of it to the terminal.
 * Every line Rampart writes to stdout and to its log file must carry these characters as
 * `\uXXXX` escapes and still parse to the values that were logged.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'rampart-terminal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const built = (path: string) => fileURLToPath(new URL(`../../../dist/${path}`, import.meta.url));

// U+009B as a client can send it in a header (its byte, read as Latin-1); U+202E and
// U+2028 as they arrive decoded from a percent-encoded path.
const agent = 'probe/1.0 \u009b2J\u009b31m \u202eexe.txt \u2028 after';
const text = 'x\u009b[8m hidden \u202eexe.txt \u2028 end';

// A raw character a terminal would act on, anywhere in the output.
const rawControl = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Rampart as it runs (createRampart opens its own logger: stdout and a log file), with a
 * route that binds client text to its request's lines as an embedding application may;
 * one failed login (a security event line, written by pino) and one request to the route
 * (the request line, written by the request-line writer). Returns stdout and the file.
 */
function runRampart(): { stdout: string; file: string } {
  const file = join(dir, 'logs', 'rampart.log');
  const script = `
    const { randomBytes } = await import('node:crypto');
    const { loadConfig } = await import(${JSON.stringify(built('config/index.js'))});
    const { createRampart } = await import(${JSON.stringify(built('rampart.js'))});
    const { config } = loadConfig({
      env: {},
      noFile: true,
      overrides: {
        masterKey: randomBytes(32).toString('base64'),
        databaseUrl: 'sqlite::memory:',
        log: {
          level: 'info',
          stdout: true,
          file: { path: ${JSON.stringify(file)}, maxSize: 10485760, maxFiles: 1 },
        },
      },
    });
    const rampart = await createRampart(config, {
      register: async (app) => {
        app.get('/test/echo/:text', async (request) => {
          request.log.setBindings({ echoed: request.params.text, agent: request.headers['user-agent'] });
          return { ok: true };
        });
      },
    });
    const agent = ${JSON.stringify(agent)};
    const login = await rampart.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'user-agent': agent },
      payload: { email: 'nobody@example.com', password: 'not the password 1' },
    });
    const echo = await rampart.app.inject({
      method: 'GET',
      url: '/test/echo/' + encodeURIComponent(${JSON.stringify(text)}),
      headers: { 'user-agent': agent },
    });
    process.stderr.write('statuses ' + login.statusCode + ' ' + echo.statusCode + '\\n');
    await rampart.close();
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(child.stderr).toContain('statuses 401 200');
  expect(child.status).toBe(0);
  return { stdout: child.stdout, file: readFileSync(join(dir, 'logs', 'rampart.1.log'), 'utf8') };
}

describe('log lines shown on a terminal (needs `npm run build`)', () => {
  let output: { stdout: string; file: string };
  beforeAll(() => {
    if (!existsSync(built('rampart.js'))) throw new Error('run `npm run build` first');
    output = runRampart();
  });

  for (const sink of ['stdout', 'file'] as const) {
    it(`writes no terminal control raw to ${sink}, only JSON escapes that parse back to what was logged`, () => {
      const written = output[sink];
      expect(written).not.toMatch(rawControl);
      for (const escaped of ['\\u009b', '\\u202e', '\\u2028']) expect(written).toContain(escaped);

      const lines = written
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown> & { event?: Record<string, unknown> });
      // Written by pino: the security event, with the User-Agent in its actor.
      const failed = lines.find((l) => l.event?.type === 'auth.login.failed');
      expect(failed?.event?.actor).toMatchObject({ userAgent: agent });
      // Written by the request-line writer: the route's bindings on the request line.
      const request = lines.find((l) => l.msg === 'request' && l.route === '/test/echo/:text');
      expect(request).toMatchObject({
        echoed: text,
        agent,
        status: 200,
        url: `/test/echo/${encodeURIComponent(text)}`,
      });
    });
  }

  it("escapes the lines of a logger made without a destination (the CLI's) as well", () => {
    const script = `
      const { createLogger } = await import(${JSON.stringify(built('monitor/logger.js'))});
      createLogger({ level: 'warn' }).warn({ agent: ${JSON.stringify(agent)} }, 'cli warning');
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status).toBe(0);
    expect(child.stdout).not.toMatch(rawControl);
    expect(JSON.parse(child.stdout)).toMatchObject({ agent, msg: 'cli warning' });
  });
});
