import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';
import { spawnNode } from './support/spawn.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

function environment(port: number): NodeJS.ProcessEnv {
  const cwd = mkdtempSync(join(tmpdir(), 'rampart-response-'));
  return {
    RAMPART_PORT: String(port),
    RAMPART_DATABASE_URL: `sqlite:${join(cwd, 'rampart.db')}`,
    RAMPART_DATA_DIR: join(cwd, 'data'),
    RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
    RAMPART_MAIL_TRANSPORT: 'none',
    RAMPART_DETECTORS_BRUTE_FORCE_IP_THRESHOLD: '3',
    // Read-only mode rather than a ban: the CLI reaches the server from the same address.
    RAMPART_RESPONSES_ACTIONS_BRUTE_FORCE_IP: 'read_only,notify',
  };
}

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const p = spawnNode([bin, ...args], { env });
  const { code } = await p.exit();
  return { code, output: p.output() };
}

const register = (url: string, n: number) =>
  fetch(`${url}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `new${n}@example.com`,
      password: 'correct horse battery staple 42',
    }),
  });

describe('rampart response, readonly and report (memory hot store, SQLite file)', () => {
  it('lists the actions a brute force caused, turns read-only mode off, reverts, and reports', async () => {
    const env = environment(await freePort());
    const server = spawnNode([bin, 'start'], { env });
    try {
      const [, url = ''] = await server.waitFor(/Listening on\s+(\S+)/);
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `x${i}@example.com`, password: 'wrong password here' }),
        });
        expect(res.status).toBe(401);
      }
      let refused: Response | undefined;
      for (let i = 0; i < 100; i++) {
        refused = await register(url, i);
        if (refused.status === 503) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(refused?.status).toBe(503);

      const list = await run(['response', 'list'], env);
      expect(list.code, list.output).toBe(0);
      expect(list.output).toMatch(/bruteForceIp {2}read_only {2}system:read_only {2}executed/);
      const readOnlyLine = list.output.split('\n').find((l) => l.includes('read_only')) ?? '';
      const id = readOnlyLine.split(/\s+/)[0] ?? '';

      const off = await run(['readonly', 'off'], env);
      expect(off.code, off.output).toBe(0);
      expect(off.output).toContain('read-only mode is off');
      expect((await register(url, 1000)).status).not.toBe(503);

      const revert = await run(['response', 'revert', id], env);
      expect(revert.code, revert.output).toBe(0);
      const again = await run(['response', 'revert', id], env);
      expect(again.code).toBe(1);
      expect(again.output).toContain('response_not_revertible');

      const report = await run(['report', 'security', '--from', '2020-01-01'], env);
      expect(report.code, report.output).toBe(0);
      expect(report.output).toContain('Authentication: 0 logins, 3 failed');
      expect(report.output).toContain('Incidents: 1 opened');
    } finally {
      server.child.kill('SIGTERM');
      await server.exit();
    }
  }, 120_000);

  it('refuses a report period that ends before it starts (exit 2)', async () => {
    const res = await run(
      ['report', 'security', '--from', '2026-02-01', '--to', '2026-01-01'],
      environment(1),
    );
    expect(res.code).toBe(2);
    expect(res.output).toContain('--from must be before --to');
  });
});
