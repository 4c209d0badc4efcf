import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { encryptedFields } from '../src/dataprotect/core/encrypted-fields.js';
import { newDataKey } from '../src/dataprotect/core/key-ring.js';
import {
  createMasterKeyRing,
  masterKeyFingerprint,
} from '../src/dataprotect/core/master-key-ring.js';
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

describe.each(testDatabaseKinds())('rampart keys rotate-master on %s', (kind) => {
  it('resumes after SIGKILL mid-way; only the new key opens everything afterwards', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rampart-rotate-master-'));
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldPrint = masterKeyFingerprint(oldKey);
    const newPrint = masterKeyFingerprint(newKey);
    const testDatabase =
      kind === 'sqlite'
        ? { url: `sqlite:${join(cwd, 'rampart.db')}`, drop: async () => {} }
        : await createTestDatabase('postgres');
    const baseEnv = { RAMPART_DATABASE_URL: testDatabase.url, RAMPART_LOG_LEVEL: 'warn' };
    const bothKeys = {
      ...baseEnv,
      RAMPART_MASTER_KEY: newKey.toString('base64'),
      RAMPART_MASTER_KEY_PREVIOUS: oldKey.toString('base64'),
    };
    const newOnly = { ...baseEnv, RAMPART_MASTER_KEY: newKey.toString('base64') };

    // Under the old master key: the ring, many retired data keys, and values sealed
    // directly by the master key (written before the ring existed).
    const database = openDatabase(testDatabase.url);
    await migrateToLatest(database);
    const store = new SqlDataKeyStore(database.db);
    const hot = createMemoryHotStore();
    const open = (masterSealer: ReturnType<typeof createMasterKeyRing>) =>
      DataKeyService.open({
        store,
        fields: store,
        encryptedFields,
        masterSealer,
        pubsub: hot.pubsub,
        events: new EventBus({ onHandlerError: () => {} }),
      });
    await open(createMasterKeyRing(oldKey));
    const legacy = createSealer(oldKey);
    const retired = Array.from({ length: 1500 }, () => newDataKey());
    for (let from = 0; from < retired.length; from += 500) {
      await database.db
        .insertInto('data_keys')
        .values(
          retired.slice(from, from + 500).map((k, i) => ({
            id: k.id,
            key_sealed: legacy.seal(k.key, `data_key:${k.id}`),
            status: 'retired' as const,
            created_at: from + i,
            retired_at: from + i,
          })),
        )
        .execute();
    }
    const accounts = Array.from({ length: 200 }, (_, i) => `acc_${String(i).padStart(4, '0')}`);
    await database.db
      .insertInto('accounts')
      .values(
        accounts.map((id) => ({
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
        accounts.map((id, i) => ({
          account_id: id,
          secret_sealed: legacy.seal(`secret-${i}`, `mfa_totp:${id}`),
          created_at: 0,
          enabled_at: 0,
          last_used_step: null,
        })),
      )
      .execute();
    const sealedBy = async (fingerprint: string) => {
      const prefix = `v1.${fingerprint}.`;
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from data_keys
        where substr(key_sealed, 1, ${prefix.length}) = ${prefix}`.execute(database.db);
      return Number(rows[0]?.n ?? 0);
    };

    const first = spawnNode([bin, 'keys', 'rotate-master'], { cwd, env: bothKeys });
    let moved = 0;
    for (let i = 0; i < 4000 && moved < 30; i++) {
      moved = await sealedBy(newPrint);
      if (moved < 30) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    expect((await first.exit()).signal).toBe('SIGKILL');
    // Each key is sealed by one master key or the other, never lost in between.
    const partly = await sealedBy(newPrint);
    expect(partly).toBeGreaterThan(0);
    expect(partly + (await sealedBy(oldPrint))).toBe(retired.length + 1);
    expect(partly).toBeLessThan(retired.length + 1);

    // Only the new key, too early: a clear refusal naming the key still needed.
    const early = spawnNode([bin, 'keys', 'rotate-master'], { cwd, env: newOnly });
    expect((await early.exit()).code).toBe(1);
    expect(early.output()).toContain('master_key_mismatch');
    expect(early.output()).toContain(oldPrint);
    expect(early.output()).not.toContain(oldKey.toString('base64'));

    const second = spawnNode([bin, 'keys', 'rotate-master', '--batch-size', '50'], {
      cwd,
      env: bothKeys,
    });
    expect((await second.exit()).code, second.output()).toBe(0);
    expect(second.output()).toContain(`resumed rotation to master key ${newPrint}`);
    expect(second.output()).toContain('moved 200 master-sealed values');
    expect(await sealedBy(newPrint)).toBe(retired.length + 1);

    // While the old key is configured: how long it is still needed, and what to keep.
    const during = spawnNode([bin, 'keys', 'master-status'], { cwd, env: bothKeys });
    expect((await during.exit()).code, during.output()).toBe(0);
    expect(during.output()).toContain(`previous master key ${oldPrint}: needed until`);
    expect(during.output()).toContain('to audit.trustedKeys');
    expect(during.output()).not.toContain(oldKey.toString('base64'));

    const status = spawnNode([bin, 'keys', 'master-status', '--json'], { cwd, env: newOnly });
    expect((await status.exit()).code, status.output()).toBe(0);
    const json = JSON.parse(status.output()) as {
      current: string;
      unknown: { data_keys: number; legacy_values: number };
      rotation: { status: string };
    };
    expect(json).toMatchObject({
      current: newPrint,
      unknown: { data_keys: 0, legacy_values: 0 },
      rotation: { status: 'done' },
    });

    // Without any master key, the status refuses rather than generate a development key.
    const keyless = spawnNode([bin, 'keys', 'master-status'], { cwd, env: baseEnv });
    expect((await keyless.exit()).code, keyless.output()).toBe(2);
    expect(existsSync(join(cwd, 'data', 'master.key'))).toBe(false);

    // With only the new key: every data key and every value opens.
    const ring = await open(createMasterKeyRing(newKey));
    const mfa = encryptedFields.find((f) => f.name === 'mfa_totp.secret');
    if (!mfa) throw new Error('no mfa_totp field');
    const values = await store.readSealed(mfa, '', 1000);
    expect(values).toHaveLength(accounts.length);
    values.forEach((v, i) => {
      expect(v.value.startsWith('v2.')).toBe(true);
      expect(ring.sealer.open(v.value, `mfa_totp:${v.id}`).toString()).toBe(`secret-${i}`);
    });
    const newRing = createMasterKeyRing(newKey);
    const stored = await store.listDataKeys();
    const byId = new Map(retired.map((k) => [k.id, k.key]));
    for (const k of stored.filter((s) => s.status === 'retired')) {
      expect(newRing.open(k.keySealed, `data_key:${k.id}`).equals(byId.get(k.id) as Buffer)).toBe(
        true,
      );
    }
    await hot.close();
    await database.close();
    await testDatabase.drop();
  }, 180_000);
});
