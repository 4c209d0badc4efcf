import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import { type DatabaseHandle, openDatabase } from '../storage/database.js';
import { createMemoryHotStore } from '../storage/memory/memory-hot-store.js';
import { migrateToLatest } from '../storage/migrate.js';
import { SqlAuthzPolicyStore } from '../storage/sql/sql-authz-store.js';
import { PolicyService } from './policy-service.js';
import type { AuthzPolicyStore, StoredPolicy } from './store.js';

function serviceOver(store: AuthzPolicyStore) {
  const hot = createMemoryHotStore();
  const service = new PolicyService({
    store,
    pubsub: hot.pubsub,
    events: new EventBus({ onHandlerError: () => {} }),
    environmentAccess: {},
  });
  return { service, hot };
}

describe('the policy service', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle);
  });
  afterAll(async () => handle?.close());

  it('never lets a reload that started earlier replace the policy a later one installed', async () => {
    const sql = new SqlAuthzPolicyStore(handle.db);
    // The real store, with each load's answer held until the test releases it.
    const held: { release: () => void; done: Promise<void> }[] = [];
    const store: AuthzPolicyStore = {
      ...Object.fromEntries(
        (['putRole', 'deleteRole', 'addGrant', 'deleteGrant', 'setAssignments'] as const).map(
          (m) => [m, sql[m].bind(sql)],
        ),
      ),
      async load(): Promise<StoredPolicy> {
        const policy = await sql.load();
        let release = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        held.push({ release, done: gate });
        await gate;
        return policy;
      },
    } as AuthzPolicyStore;
    const { service, hot } = serviceOver(store);
    const user = { kind: 'user' as const, id: 'u1', roles: [] };
    const resource = { type: 'docs', id: 'd1' };

    const stale = service.reload();
    await sql.addGrant({
      id: 'g1',
      subject: { kind: 'principal', id: 'u1' },
      resourceType: 'docs',
      resourceId: 'd1',
      actions: ['read'],
      effect: 'allow',
      createdBy: null,
      createdAt: 1,
    });
    const fresh = service.reload();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(held).toHaveLength(2);
    held[1]?.release();
    await fresh;
    expect(service.decide(user, 'read', resource).allowed).toBe(true);
    held[0]?.release();
    await stale;
    expect(service.decide(user, 'read', resource).allowed).toBe(true);
    await hot.close();
  });

  it('keeps the compiled engine when a reload finds the same policy, and replaces it on a change', async () => {
    const store = new SqlAuthzPolicyStore(handle.db);
    const { service, hot } = serviceOver(store);
    await service.reload();
    const engine = service.engine;
    // The timer's reload on a node where nothing changed: the same decision functions.
    await service.reload();
    await service.reload();
    expect(service.engine).toBe(engine);

    const user = { kind: 'user' as const, id: 'u2', roles: [] };
    const resource = { type: 'reports', id: 'r1' };
    expect(service.decide(user, 'read', resource).allowed).toBe(false);
    await store.addGrant({
      id: 'g-keep-engine',
      subject: { kind: 'principal', id: 'u2' },
      resourceType: 'reports',
      resourceId: 'r1',
      actions: ['read'],
      effect: 'allow',
      createdBy: null,
      createdAt: 2,
    });
    await service.reload();
    expect(service.engine).not.toBe(engine);
    expect(service.decide(user, 'read', resource).allowed).toBe(true);
    // A change back is a change too.
    await store.deleteGrant('g-keep-engine');
    const withGrant = service.engine;
    await service.reload();
    expect(service.engine).not.toBe(withGrant);
    expect(service.decide(user, 'read', resource).allowed).toBe(false);
    await hot.close();
  });
});
