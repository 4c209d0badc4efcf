import { afterEach, describe, expect, it } from 'vitest';
import { bearer, createAdmin, login, registerUser } from '../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../test/support/test-databases.js';
import {
  startTestRampart,
  type TestRampart,
  testMasterKey,
} from '../../test/support/test-rampart.js';
import { parseMasterKey } from './core/master-key.js';
import { createSealer } from './core/sealer.js';

const masterSealer = () => {
  const parsed = parseMasterKey(testMasterKey);
  if (!parsed.ok) throw new Error('bad test key');
  return createSealer(parsed.key);
};

async function sealedValues(r: TestRampart): Promise<string[]> {
  const db = r.database.db;
  const mfa = await db.selectFrom('mfa_totp').select('secret_sealed as v').execute();
  const keys = await db.selectFrom('signing_keys').select('private_key_sealed as v').execute();
  return [...mfa, ...keys].map((x) => x.v);
}

/** Seeds `n` MFA rows sealed directly by the master key, as written before the ring. */
async function seedLegacyMfa(r: TestRampart, n: number): Promise<string[]> {
  const sealer = masterSealer();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `acc_${String(i).padStart(3, '0')}`;
    ids.push(id);
    await r.database.db
      .insertInto('accounts')
      .values({
        id,
        email: `${id}@example.com`,
        name: null,
        password_hash: null,
        status: 'active',
        created_at: Date.now(),
        updated_at: Date.now(),
        password_changed_at: null,
      })
      .execute();
    await r.database.db
      .insertInto('mfa_totp')
      .values({
        account_id: id,
        secret_sealed: sealer.seal(`secret-${i}`, `mfa_totp:${id}`),
        created_at: Date.now(),
        enabled_at: null,
        last_used_step: null,
      })
      .execute();
  }
  return ids;
}

describe.each(testDatabaseKinds())('data key rotation on %s', (database) => {
  let r: TestRampart | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('seals new secrets with the primary data key, not the master key', async () => {
    r = await startTestRampart({ database });
    const [signing] = await r.database.db.selectFrom('signing_keys').selectAll().execute();
    expect(signing?.private_key_sealed.startsWith(`v2.${r.dataKeys.primaryKeyId}.`)).toBe(true);
    const keys = await r.database.db.selectFrom('data_keys').selectAll().execute();
    expect(keys).toHaveLength(1);
    // The data key itself is sealed by the master key, never stored in clear.
    expect(keys[0]?.key_sealed.startsWith('v1.')).toBe(true);
  });

  it('re-encrypts every field, resumes after a crash mid-way, and retires the old key', async () => {
    r = await startTestRampart({ database });
    const ids = await seedLegacyMfa(r, 7);
    const firstKey = r.dataKeys.primaryKeyId;

    // Crash after the second batch: the process dies with its progress saved.
    let batches = 0;
    await expect(
      r.dataKeys.rotate({
        actor: { kind: 'system', id: 'test' },
        batchSize: 3,
        onProgress: () => {
          batches++;
          if (batches === 2) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const running = await r.dataKeys.latestRotation();
    expect(running?.status).toBe('running');
    expect(running?.progress['mfa_totp.secret']).toEqual({ after: 'acc_005', done: false });
    const newKey = running?.keyId as string;
    expect(newKey).not.toBe(firstKey);
    // Values of the batches done are under the new key already; the rest are not.
    const mid = await sealedValues(r);
    expect(mid.filter((v) => v.startsWith(`v2.${newKey}.`)).length).toBe(6);

    // A second attempt by the API would refuse (the heartbeat is fresh); the CLI resumes.
    await expect(
      r.dataKeys.rotate({ actor: { kind: 'system' }, resume: 'stale' }),
    ).rejects.toMatchObject({ code: 'data_key_rotation_running' });
    const progress: number[] = [];
    const result = await r.dataKeys.rotate({
      actor: { kind: 'system', id: 'test' },
      batchSize: 3,
      resume: 'always',
      onProgress: (done) => {
        progress.push(done);
      },
    });
    expect(result).toMatchObject({ resumed: true, keyId: newKey, legacyRemaining: 0 });
    expect(result.retiredKeys).toEqual([firstKey]);
    expect(progress.at(-1)).toBe(result.total);

    const after = await sealedValues(r);
    expect(after.every((v) => v.startsWith(`v2.${newKey}.`))).toBe(true);
    for (const [i, id] of ids.entries()) {
      const row = await r.database.db
        .selectFrom('mfa_totp')
        .select('secret_sealed')
        .where('account_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(r.dataKeys.sealer.open(row.secret_sealed, `mfa_totp:${id}`).toString()).toBe(
        `secret-${i}`,
      );
    }
    const keys = await r.database.db.selectFrom('data_keys').selectAll().execute();
    expect(keys.find((k) => k.id === firstKey)?.status).toBe('retired');
    expect(keys.find((k) => k.id === newKey)?.status).toBe('primary');
    expect((await r.dataKeys.latestRotation())?.status).toBe('done');
    // The signing key still signs and verifies after its re-encryption and a reload.
    const admin = await createAdmin(r);
    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(admin.token) });
    expect(me.statusCode).toBe(200);
  });

  it('keeps a key that a value written behind the rotation still uses, and the value readable', async () => {
    r = await startTestRampart({ database });
    const ids = await seedLegacyMfa(r, 7);
    const firstKey = r.dataKeys.primaryKeyId;
    // Sealed by a node that has not heard of the rotation yet (its ring: the first key).
    const late = r.dataKeys.sealer.seal('written-late', `mfa_totp:${ids[0]}`);
    expect(late.startsWith(`v2.${firstKey}.`)).toBe(true);
    let batches = 0;
    const result = await r.dataKeys.rotate({
      actor: { kind: 'system', id: 'test' },
      batchSize: 3,
      onProgress: async () => {
        batches++;
        // The row is behind the rotation's cursor when that node writes it.
        if (batches === 2) {
          await r?.database.db
            .updateTable('mfa_totp')
            .set({ secret_sealed: late })
            .where('account_id', '=', ids[0] as string)
            .execute();
        }
      },
    });
    expect(batches).toBeGreaterThan(2);
    expect(result.retiredKeys).not.toContain(firstKey);
    const keys = await r.database.db.selectFrom('data_keys').selectAll().execute();
    expect(keys.find((k) => k.id === firstKey)?.status).not.toBe('retired');
    await r.dataKeys.reload();
    const row = await r.database.db
      .selectFrom('mfa_totp')
      .select('secret_sealed')
      .where('account_id', '=', ids[0] as string)
      .executeTakeFirstOrThrow();
    expect(row.secret_sealed).toBe(late);
    expect(r.dataKeys.sealer.open(row.secret_sealed, `mfa_totp:${ids[0]}`).toString()).toBe(
      'written-late',
    );
  });

  it('keeps secrets usable across a restart after rotation (the ring is in the database)', async () => {
    r = await startTestRampart({ database });
    const user = await registerUser(r, 'ring@example.com');
    await r.dataKeys.rotate({ actor: { kind: 'system' } });
    await r.dataKeys.rotate({ actor: { kind: 'system' } });
    const keys = await r.database.db.selectFrom('data_keys').selectAll().execute();
    expect(keys.filter((k) => k.status === 'retired')).toHaveLength(2);
    expect(await login(r, user.email, user.password)).toBeTypeOf('string');
  });

  it('rotates through the admin API and reports its status', async () => {
    r = await startTestRampart({ database });
    const admin = await createAdmin(r);
    const viewer = await registerUser(r, 'viewer@example.com');
    const refused = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/keys/data/rotate',
      headers: bearer(viewer.token),
    });
    expect(refused.statusCode).toBe(403);
    const before = r.dataKeys.primaryKeyId;
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/keys/data/rotate',
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(202);
    await r.dataKeys.activeRotation;
    await expect
      .poll(async () => {
        const s = await r?.app.inject({
          method: 'GET',
          url: '/v1/admin/keys/data',
          headers: bearer(admin.token),
        });
        return s?.json<{ rotation: { status: string } | null }>().rotation?.status;
      })
      .toBe('done');
    const status = (
      await r.app.inject({
        method: 'GET',
        url: '/v1/admin/keys/data',
        headers: bearer(admin.token),
      })
    ).json<{ primary_key_id: string; keys: { id: string; status: string }[] }>();
    expect(status.primary_key_id).not.toBe(before);
    expect(status.keys.find((k) => k.id === before)?.status).toBe('retired');
    const events = await r.database.db
      .selectFrom('audit_events' as never)
      .select('action' as never)
      .execute();
    expect((events as { action: string }[]).map((e) => e.action)).toEqual(
      expect.arrayContaining(['data_key.rotated', 'data_key.rotation.completed']),
    );
  });
});
