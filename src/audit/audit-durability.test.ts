import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { spawnNode } from '../../test/support/spawn.js';
import { openDatabase } from '../storage/database.js';
import { SqlAuditStore } from '../storage/sql/sql-audit-store.js';

const bin = fileURLToPath(new URL('../../bin/rampart.js', import.meta.url));

/**
 * Every request answered means its event was committed (publishers wait for the audit
 * trail): killing the process with SIGKILL in the middle of a stream of failed logins
 * must lose none of the answered ones and leave an intact chain.
 */
describe('audit trail durability', () => {
  it('keeps every acknowledged event and an intact chain across a SIGKILL', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rampart-audit-'));
    const databaseUrl = `sqlite:${join(cwd, 'rampart.db')}`;
    const env = {
      RAMPART_PORT: '0',
      RAMPART_DATABASE_URL: databaseUrl,
      RAMPART_DATA_DIR: join(cwd, 'data'),
      RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
      RAMPART_MAIL_TRANSPORT: 'none',
      RAMPART_LOG_LEVEL: 'warn',
      RAMPART_LOCKOUT_IP_MAX_FAILURES: '100000',
      RAMPART_AUDIT_CHECKPOINT_EVERY: '25',
    };
    const server = spawnNode([bin, 'start'], { cwd, env });
    const [, url] = await server.waitFor(/Listening on\s+(\S+)/);
    const acknowledged: string[] = [];
    let n = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const id = `durable-${n++}`;
        try {
          const response = await fetch(`${url}/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': id },
            body: JSON.stringify({ email: `${id}@example.com`, password: 'wrong password 1' }),
          });
          await response.arrayBuffer();
          if (response.status === 401) acknowledged.push(id);
        } catch {
          return;
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    while (acknowledged.length < 60) await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    expect((await server.exit()).signal).toBe('SIGKILL');

    // A restart appends on top of what survived.
    const again = spawnNode([bin, 'start'], { cwd, env });
    const [, url2] = await again.waitFor(/Listening on\s+(\S+)/);
    const after = await fetch(`${url2}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'after-restart' },
      body: JSON.stringify({ email: 'after@example.com', password: 'wrong password 1' }),
    });
    expect(after.status).toBe(401);
    again.child.kill('SIGTERM');
    await again.exit();

    const database = openDatabase(databaseUrl);
    try {
      const records = await new SqlAuditStore(database.db, database.dialect).readAfter(0, 100_000);
      const stored = new Set(records.map((r) => r.requestId));
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      expect(stored.has('after-restart')).toBe(true);
    } finally {
      await database.close();
    }
    const verify = spawnNode([bin, 'audit', 'verify', '--json'], { cwd, env });
    const { code } = await verify.exit();
    const result = JSON.parse(verify.output().trim().split('\n').pop() ?? '{}') as {
      ok: boolean;
      last_checkpoint_seq: number | null;
    };
    expect(result.ok, verify.output()).toBe(true);
    expect(result.last_checkpoint_seq).not.toBeNull();
    expect(code).toBe(0);

    // Tampering with one record makes the same command fail with exit 1, naming it.
    const tamper = openDatabase(databaseUrl);
    await sql`update audit_events set details = '{}' where seq = 5`.execute(tamper.db);
    await tamper.close();
    const broken = spawnNode([bin, 'audit', 'verify'], { cwd, env });
    expect((await broken.exit()).code).toBe(1);
    expect(broken.output()).toMatch(/BROKEN at seq 5: hash_mismatch/);
  }, 60_000);
});
