import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encryptedFields } from '../src/dataprotect/core/encrypted-fields.js';
import { createSealer } from '../src/dataprotect/core/sealer.js';
import { DataKeyService } from '../src/dataprotect/data-key-service.js';
import { EventBus } from '../src/events/event-bus.js';
import { openDatabase } from '../src/storage/database.js';
import { createMemoryHotStore } from '../src/storage/memory/memory-hot-store.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { SqlDataKeyStore } from '../src/storage/sql/sql-data-key-store.js';
import { spawnNode } from './support/spawn.js';
import { createTestDatabase, testDatabaseKinds } from './support/test-databases.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

describe.each(testDatabaseKinds())('rampart keys rotate-data on %s', (kind) => {
  it('resumes after the process is killed mid-way and finishes with every value re-encrypted', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rampart-rotate-data-'));
    const masterKey = randomBytes(32);
    const testDatabase =
      kind === 'sqlite'
        ? { url: `sqlite:${join(cwd, 'rampart.db')}`, drop: async () => {} }
        : await createTestDatabase('postgres');
    const env = {
      RAMPART_MASTER_KEY: masterKey.toString('base64'),
      RAMPART_DATABASE_URL: testDatabase.url,
      RAMPART_LOG_LEVEL: 'warn',
    };
    // Values written before the key ring: sealed directly by the master key (v1).
    const rows = 3000;
    const database = openDatabase(env.RAMPART_DATABASE_URL);
    await migrateToLatest(database);
    const legacy = createSealer(masterKey);
    const ids = Array.from({ length: rows }, (_, i) => `acc_${String(i).padStart(5, '0')}`);
    for (let from = 0; from < rows; from += 500) {
      const chunk = ids.slice(from, from + 500);
      await database.db
        .insertInto('accounts')
        .values(
          chunk.map((id) => ({
            id,
            email: `${id}@example.com`,
            name: null,
            password_hash: null,
            status: 'active' as const,
            created_at: 0,
            updated_at: 0,
            password_changed_at: null,
          })),
        )
        .execute();
      await database.db
        .insertInto('mfa_totp')
        .values(
          chunk.map((id, j) => ({
            account_id: id,
            secret_sealed: legacy.seal(`secret-${from + j}`, `mfa_totp:${id}`),
            created_at: 0,
            enabled_at: 0,
            last_used_step: null,
          })),
        )
        .execute();
    }

    const first = spawnNode([bin, 'keys', 'rotate-data', '--batch-size', '2'], { cwd, env });
    // Kill it hard once some batches are committed, well before the end.
    let progress = 0;
    for (let i = 0; i < 2000 && progress < 40; i++) {
      const running = await database.db
        .selectFrom('data_key_rotations')
        .select('done_count')
        .executeTakeFirst();
      progress = Number(running?.done_count ?? 0);
      if (progress < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    expect((await first.exit()).signal).toBe('SIGKILL');
    const interrupted = await database.db
      .selectFrom('data_key_rotations')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(interrupted.status).toBe('running');
    expect(Number(interrupted.done_count)).toBeGreaterThan(0);
    expect(Number(interrupted.done_count)).toBeLessThan(Number(interrupted.total));

    const second = spawnNode([bin, 'keys', 'rotate-data', '--batch-size', '200'], { cwd, env });
    const { code } = await second.exit();
    expect(code, second.output()).toBe(0);
    expect(second.output()).toContain(`resumed rotation to ${interrupted.key_id}`);
    expect(second.output()).toMatch(/retired \S+/);

    const values = await database.db
      .selectFrom('mfa_totp')
      .selectAll()
      .orderBy('account_id')
      .execute();
    expect(values).toHaveLength(rows);
    expect(values.every((v) => v.secret_sealed.startsWith(`v2.${interrupted.key_id}.`))).toBe(true);
    const store = new SqlDataKeyStore(database.db);
    const hot = createMemoryHotStore();
    const ring = await DataKeyService.open({
      store,
      fields: store,
      encryptedFields,
      masterSealer: legacy,
      pubsub: hot.pubsub,
      events: new EventBus({ onHandlerError: () => {} }),
    });
    for (const i of [0, 1234, rows - 1]) {
      const v = values[i];
      expect(ring.sealer.open(v?.secret_sealed ?? '', `mfa_totp:${v?.account_id}`).toString()).toBe(
        `secret-${i}`,
      );
    }
    const rotation = await store.latestRotation();
    expect(rotation?.status).toBe('done');
    await hot.close();
    await database.close();
    await testDatabase.drop();
  }, 120_000);
});
