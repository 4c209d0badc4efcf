import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseKinds,
  uniqueRedisPrefix,
} from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import type { SecurityEvent } from '../events/security-event.js';
import { encryptedFields } from './core/encrypted-fields.js';
import { masterKeyFingerprint } from './core/master-key-ring.js';
import { createSealer } from './core/sealer.js';

const key = () => randomBytes(32);
const text = (k: Buffer) => k.toString('base64');

/** A database that outlives one Rampart: a SQLite file, or a PostgreSQL schema. */
async function durableDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'postgres') return createTestDatabase('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'rampart-master-'));
  return { name: 'sqlite', url: `sqlite:${join(dir, 'rampart.db')}`, drop: async () => {} };
}

/** Every sealed value of every encrypted field, opened: `<field>/<id>` → plaintext. */
async function openAll(r: TestRampart): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const store = (await import('../storage/sql/sql-data-key-store.js')).SqlDataKeyStore;
  const fields = new store(r.database.db);
  for (const field of encryptedFields) {
    for (const row of await fields.readSealed(field, '', 10_000)) {
      const plain = r.dataKeys.sealer.open(row.value, field.associatedData(row.id));
      out.set(`${field.name}/${row.id}`, plain.toString('base64'));
    }
  }
  return out;
}

/** MFA rows sealed directly by a master key (`v1.`), as written before the key ring. */
async function seedLegacyMfa(r: TestRampart, masterKey: Buffer, n: number): Promise<void> {
  const sealer = createSealer(masterKey);
  for (let i = 0; i < n; i++) {
    const account = await r.accounts.createAccount(
      { email: `legacy-${i}@example.com`, password: `Legacy-password-${i}-xyz!`, roles: [] },
      { kind: 'system' },
    );
    await r.database.db
      .insertInto('mfa_totp')
      .values({
        account_id: account.id,
        secret_sealed: sealer.seal(`totp-secret-${i}`, `mfa_totp:${account.id}`),
        created_at: Date.now(),
        enabled_at: null,
        last_used_step: null,
      })
      .execute();
  }
}

describe.each(testDatabaseKinds())('master key rotation on %s', (kind) => {
  const opened: TestRampart[] = [];
  let database: TestDatabase | undefined;
  afterEach(async () => {
    for (const r of opened.splice(0)) await r.close().catch(() => {});
    await database?.drop();
    database = undefined;
  });

  async function setup() {
    database = await durableDatabase(kind);
    const join = { database, redisKeyPrefix: uniqueRedisPrefix() };
    const node = async (masterKey: Buffer, previous: Buffer[] = []) => {
      const r = await startTestRampart({
        join,
        overrides: {
          masterKey: text(masterKey),
          masterKeyPrevious: previous.map(text),
          idempotency: { ttl: 60 },
        },
      });
      opened.push(r);
      return r;
    };
    return { node };
  }

  it('re-seals every data key; a restart with only the new key opens every sealed field', async () => {
    const { node } = await setup();
    const oldKey = key();
    const newKey = key();
    const first = await node(oldKey);
    await first.dataKeys.rotate({ actor: { kind: 'system', id: 'test' } });
    await seedLegacyMfa(first, oldKey, 3);
    const before = await openAll(first);
    expect(before.size).toBeGreaterThanOrEqual(4);
    // An audit checkpoint signed with the key derived from the old master key.
    await first.audit?.checkpoint();
    await first.close();

    const a = await node(newKey, [oldKey]);
    const b = await node(newKey, [oldKey]);
    const events: SecurityEvent[] = [];
    a.events.subscribe('test', (e) => {
      events.push(e);
    });
    const oldPrint = masterKeyFingerprint(oldKey);
    const newPrint = masterKeyFingerprint(newKey);
    // Checkpoints signed under the old master key verify while it is configured.
    expect((await a.audit?.verify())?.ok).toBe(true);
    const pending = await a.masterKeys.status();
    expect(pending.current).toBe(newPrint);
    expect(pending.previous).toEqual([
      expect.objectContaining({
        fingerprint: oldPrint,
        dataKeys: 2,
        legacyValues: 3,
        needed: true,
      }),
    ]);

    const outcome = await a.masterKeys.rotate({ actor: { kind: 'system', id: 'test' } });
    expect(outcome).toMatchObject({ keyId: newPrint, resealedKeys: 2, reencryptedValues: 3 });
    expect(events.map((e) => e.type)).toEqual([
      'master_key.rotated',
      'master_key.rotation.completed',
    ]);
    // Nothing in the database names the old master key any more.
    const stored = await a.database.db.selectFrom('data_keys').select('key_sealed').execute();
    expect(stored.every((k) => k.key_sealed.startsWith(`v1.${newPrint}.`))).toBe(true);
    const done = await a.masterKeys.status();
    expect(done.dataKeys.every((k) => k.sealedBy === newPrint)).toBe(true);
    expect(done.legacyValues).toEqual({});
    // Cached idempotent responses sealed by the old key live for idempotency.ttl more.
    const finishedAt = done.rotation?.finishedAt as number;
    expect(done.previous).toEqual([
      {
        fingerprint: oldPrint,
        dataKeys: 0,
        legacyValues: 0,
        cachedResponsesUntil: finishedAt + 60_000,
        needed: true,
      },
    ]);

    // The second node sees the change: it reloads the re-sealed keys and opens everything.
    expect((await b.masterKeys.status()).dataKeys.every((k) => k.sealedBy === newPrint)).toBe(true);
    await b.dataKeys.reload();
    expect(await openAll(b)).toEqual(before);
    await a.close();
    await b.close();

    const only = await node(newKey);
    expect(await openAll(only)).toEqual(before);
    expect(only.logText()).not.toContain('master_key_mismatch');
    // Without the old key, its checkpoints need audit.trustedKeys (see master-status).
    expect((await only.audit?.verify())?.ok).toBe(false);
  });

  it('refuses to start with only the old key after a rotation (master_key_mismatch)', async () => {
    const { node } = await setup();
    const oldKey = key();
    const newKey = key();
    await (await node(oldKey)).close();
    const a = await node(newKey, [oldKey]);
    await a.masterKeys.rotate({ actor: { kind: 'system' } });
    await a.close();
    const error = await node(oldKey).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error?.code).toBe('master_key_mismatch');
    expect(error?.message).toContain(masterKeyFingerprint(newKey));
    expect(error?.message).not.toContain(text(newKey));
  });

  it('refuses to start when a retired data key is sealed by a master key that is not configured', async () => {
    // Retired keys are never unsealed at start, so only the fingerprint check sees this:
    // starting anyway would leave a key a later rotation or restore needs unopenable.
    const { node } = await setup();
    const masterKey = key();
    const a = await node(masterKey);
    const retired = a.dataKeys.primaryKeyId;
    await a.dataKeys.rotate({ actor: { kind: 'system' } });
    const foreign = createSealer(key());
    await a.database.db
      .updateTable('data_keys')
      .set({ key_sealed: foreign.seal(randomBytes(32), `data_key:${retired}`) })
      .where('id', '=', retired)
      .execute();
    const row = await a.database.db
      .selectFrom('data_keys')
      .select('status')
      .where('id', '=', retired)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('retired');
    await a.close();
    const error = await node(masterKey).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error?.code).toBe('master_key_mismatch');
    expect(error?.message).toContain(foreign.keyId);
  });

  it('keeps a node without the new key on its loaded ring, and its reload fails loudly', async () => {
    const { node } = await setup();
    const oldKey = key();
    const newKey = key();
    const stale = await node(oldKey);
    const sealed = stale.dataKeys.sealer.seal('still readable', 'test:1');
    const a = await node(newKey, [oldKey]);
    await a.masterKeys.rotate({ actor: { kind: 'system' } });
    await expect(stale.dataKeys.reload()).rejects.toMatchObject({ code: 'master_key_mismatch' });
    expect(stale.dataKeys.sealer.open(sealed, 'test:1').toString()).toBe('still readable');
  });

  it('warns at start-up about a previous master key that nothing needs', async () => {
    const { node } = await setup();
    const current = key();
    const unused = key();
    await (await node(current)).close();
    const r = await node(current, [unused]);
    const warning = r.logs.find((l) => l.code === 'master_key_previous_unneeded');
    expect(warning).toMatchObject({ fingerprint: masterKeyFingerprint(unused) });
    expect(r.logText()).not.toContain(text(unused));
    expect((await r.masterKeys.status()).previous).toEqual([
      expect.objectContaining({ needed: false, dataKeys: 0 }),
    ]);
  });
});
