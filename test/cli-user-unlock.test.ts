import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import { SqlAccountStore } from '../src/storage/sql/sql-account-store.js';
import { freePort } from './support/free-port.js';
import { spawnNode } from './support/spawn.js';
import { testHotStoreKinds, uniqueRedisPrefix } from './support/test-databases.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));
const password = 'correct horse battery staple 42';

/** One configuration for the server and the CLI, as an operator's environment would be. */
function environment(hot: 'memory' | 'redis', port: number): NodeJS.ProcessEnv {
  const cwd = mkdtempSync(join(tmpdir(), 'rampart-unlock-'));
  return {
    RAMPART_PORT: String(port),
    RAMPART_DATABASE_URL: `sqlite:${join(cwd, 'rampart.db')}`,
    RAMPART_DATA_DIR: join(cwd, 'data'),
    RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
    RAMPART_MAIL_TRANSPORT: 'none',
    ...(hot === 'redis'
      ? {
          RAMPART_REDIS_URL: process.env.RAMPART_TEST_REDIS_URL,
          RAMPART_REDIS_KEY_PREFIX: uniqueRedisPrefix(),
        }
      : {}),
  };
}

async function run(args: string[], env: NodeJS.ProcessEnv, input = '') {
  const p = spawnNode([bin, ...args], { env, input });
  const { code } = await p.exit();
  return { code, output: p.output() };
}

function login(url: string, email: string, pw: string): Promise<Response> {
  return fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: pw }),
  });
}

for (const hot of testHotStoreKinds()) {
  describe(`rampart user unlock (${hot} hot store, SQLite file)`, () => {
    it('lifts a lockout so the owner can sign in at once', async () => {
      const env = environment(hot, await freePort());
      const created = await run(
        ['user', 'create', '--email', 'locked@example.com', '--password-stdin'],
        env,
        password,
      );
      expect(created.code, created.output).toBe(0);
      const server = spawnNode([bin, 'start'], { env });
      try {
        const [, url = ''] = await server.waitFor(/Listening on\s+(\S+)/);
        for (let i = 0; i < 5; i++)
          expect((await login(url, 'locked@example.com', `wrong guess ${i}`)).status).toBe(401);
        expect((await login(url, 'locked@example.com', password)).status).toBe(401);

        const unlocked = await run(['user', 'unlock', 'Locked@Example.com'], env);
        expect(unlocked.code, unlocked.output).toBe(0);
        expect(unlocked.output).toContain('unlocked locked@example.com');
        expect((await login(url, 'locked@example.com', password)).status).toBe(200);
        if (hot === 'memory') {
          // The server logged who lifted the lock.
          expect(server.output()).toContain('auth.account.unlocked');
        }
      } finally {
        server.child.kill('SIGTERM');
        await server.exit();
      }
    });

    it('fails with exit 1 for an email without an account', async () => {
      const env = environment(hot, await freePort());
      expect((await run(['migrate'], env)).code).toBe(0);
      const res = await run(['user', 'unlock', 'nobody@example.com'], env);
      expect(res.code).toBe(1);
      expect(res.output).toContain('no account has the email "nobody@example.com"');
    });
  });
}

describe('rampart user unlock without Redis and without a running server', () => {
  it('explains that no lockout outlives the server process', async () => {
    const env = environment('memory', await freePort());
    const created = await run(
      ['user', 'create', '--email', 'idle@example.com', '--password-stdin'],
      env,
      password,
    );
    expect(created.code, created.output).toBe(0);
    const res = await run(['user', 'unlock', 'idle@example.com'], env);
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain('no Rampart server answers');
    expect(res.output).toContain('--url');
  });

  it("lifts an administrator's lock in the database, with no server running", async () => {
    const env = environment('memory', await freePort());
    const created = await run(
      ['user', 'create', '--email', 'suspended@example.com', '--password-stdin'],
      env,
      password,
    );
    expect(created.code, created.output).toBe(0);
    const handle = openDatabase(env.RAMPART_DATABASE_URL as string);
    try {
      const accounts = new SqlAccountStore(handle.db);
      const account = await accounts.findAccountByEmail('suspended@example.com');
      const now = Date.now();
      const lock = { by: 'an-admin', reason: 'SEC-1', at: now, until: now + 3_600_000 };
      expect(await accounts.setAdminLock(account?.id ?? '', lock, now)).toBe(true);
      const res = await run(['user', 'unlock', 'suspended@example.com'], env);
      expect(res.code, res.output).toBe(0);
      expect(res.output).toContain("lifted the administrator's lock");
      const after = await accounts.findAccountById(account?.id ?? '');
      expect(after).toMatchObject({ status: 'active' });
      expect(after?.adminLock).toBeUndefined();
    } finally {
      await handle.close();
    }
  });
});
