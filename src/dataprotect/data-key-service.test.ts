import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedTestDatabase, testDatabaseKinds } from '../../test/support/test-databases.js';
import { EventBus } from '../events/event-bus.js';
import type { SecurityEvent } from '../events/security-event.js';
import type { DatabaseHandle } from '../storage/database.js';
import { createMemoryHotStore } from '../storage/memory/memory-hot-store.js';
import { SqlDataKeyStore } from '../storage/sql/sql-data-key-store.js';
import { encryptedFields } from './core/encrypted-fields.js';
import { createSealer } from './core/sealer.js';
import { DataKeyService } from './data-key-service.js';

describe.each(testDatabaseKinds())('DataKeyService on %s', (kind) => {
  let close: (() => Promise<void>) | undefined;
  let database: DatabaseHandle | undefined;
  afterEach(async () => {
    await close?.();
  });

  async function twoNodes() {
    ({ handle: database, close } = await openMigratedTestDatabase(kind));
    const store = new SqlDataKeyStore(database.db);
    const masterSealer = createSealer(randomBytes(32));
    const events: SecurityEvent[] = [];
    const bus = new EventBus({ onHandlerError: () => {} });
    bus.subscribe('test', (e) => {
      events.push(e);
    });
    // Two nodes whose pub/sub is NOT connected: the second learns of a rotation late.
    const open = () =>
      DataKeyService.open({
        store,
        fields: store,
        encryptedFields,
        masterSealer,
        pubsub: createMemoryHotStore().pubsub,
        events: bus,
      });
    const a = await open();
    const b = await open();
    return { a, b, events, masterSealer, db: database.db };
  }

  it('creates one primary key, shared by every node that starts on the database', async () => {
    const { a, b } = await twoNodes();
    expect(b.primaryKeyId).toBe(a.primaryKeyId);
    expect(a.keys).toHaveLength(1);
  });

  it('lets a node that missed a rotation fetch the new key on first sight of it', async () => {
    const { a, b, events } = await twoNodes();
    const result = await a.rotate({ actor: { kind: 'system' } });
    expect(events.map((e) => e.type)).toEqual(['data_key.rotated', 'data_key.rotation.completed']);
    const sealed = a.sealer.seal('from the new key', 'ad');
    expect(sealed.startsWith(`v2.${result.keyId}.`)).toBe(true);
    // The first attempt fails (unknown key) and starts a reload; the next one succeeds.
    expect(() => b.sealer.open(sealed, 'ad')).toThrow(
      expect.objectContaining({ code: 'seal_wrong_key' }),
    );
    await expect.poll(() => b.primaryKeyId).toBe(result.keyId);
    expect(b.sealer.open(sealed, 'ad').toString()).toBe('from the new key');
  });

  it('refuses a second rotation while one runs', async () => {
    const { a, b } = await twoNodes();
    const first = a.rotate({ actor: { kind: 'system' } });
    await expect(a.rotate({ actor: { kind: 'system' } })).rejects.toMatchObject({
      code: 'data_key_rotation_running',
    });
    await first;
    // Done: another node may rotate again.
    await expect(b.rotate({ actor: { kind: 'system' } })).resolves.toMatchObject({
      resumed: false,
    });
  });

  it('stops after the current batch on shutdown, and another process resumes the rotation', async () => {
    const { a, b, masterSealer, db } = await twoNodes();
    for (let i = 0; i < 6; i++) {
      const id = `acc_${i}`;
      await db
        .insertInto('accounts')
        .values({
          id,
          email: `${id}@example.com`,
          name: null,
          password_hash: null,
          status: 'active',
          created_at: 0,
          updated_at: 0,
          password_changed_at: null,
        })
        .execute();
      await db
        .insertInto('mfa_totp')
        .values({
          account_id: id,
          secret_sealed: masterSealer.seal(`s${i}`, `mfa_totp:${id}`),
          created_at: 0,
          enabled_at: 0,
          last_used_step: null,
        })
        .execute();
    }
    let stopped: Promise<void> | undefined;
    const running = a.rotate({
      actor: { kind: 'system' },
      batchSize: 2,
      onProgress: () => {
        stopped ??= a.stop();
      },
    });
    await expect(running).rejects.toThrow('stopped by shutdown');
    await stopped;
    const left = await b.latestRotation();
    expect(left).toMatchObject({ status: 'running', doneCount: 2 });
    const resumed = await b.rotate({ actor: { kind: 'system' }, resume: 'always', batchSize: 2 });
    expect(resumed).toMatchObject({ resumed: true, keyId: left?.keyId, legacyRemaining: 0 });
  });
});
