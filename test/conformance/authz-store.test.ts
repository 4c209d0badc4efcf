import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../src/dataprotect/core/sealer.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { SqlApprovalStore } from '../../src/storage/sql/sql-approval-store.js';
import { SqlAuthzPolicyStore } from '../../src/storage/sql/sql-authz-store.js';
import { openMigratedTestDatabase, testDatabaseKinds } from '../support/test-databases.js';

for (const kind of testDatabaseKinds()) {
  describe(`authorization stores: ${kind}`, () => {
    let close: (() => Promise<void>) | undefined;
    let handle: DatabaseHandle;
    let policy: SqlAuthzPolicyStore;
    let approvals: SqlApprovalStore;
    beforeAll(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      policy = new SqlAuthzPolicyStore(handle.db);
      approvals = new SqlApprovalStore(handle.db, createSealer(randomBytes(32)));
    });
    afterAll(async () => {
      await close?.();
    });

    it('round-trips roles, grants with conditions and assignments', async () => {
      await policy.putRole({
        name: 'ops',
        description: 'operations',
        inherits: ['DEVELOPER'],
        permissions: ['deploys:*'],
        createdAt: 1,
        updatedAt: 1,
      });
      await policy.putRole({
        name: 'ops',
        description: null,
        inherits: ['VIEWER'],
        permissions: [],
        createdAt: 5,
        updatedAt: 2,
      });
      const conditions = {
        timeWindow: {
          days: ['mon' as const],
          from: '09:00',
          to: '17:00',
          timezone: 'Europe/Paris',
        },
        ipCidrs: ['10.0.0.0/8', '2001:db8::/32'],
        attributes: [{ source: 'resource' as const, key: 'size', op: 'lt' as const, value: 10 }],
      };
      expect(
        await policy.addGrant({
          id: 'g1',
          subject: { kind: 'role', name: 'ops' },
          resourceType: 'deploys',
          resourceId: 'prod-*',
          actions: ['create'],
          effect: 'deny',
          conditions,
          createdBy: 'admin',
          createdAt: 3,
        }),
      ).toBe(true);
      expect(
        await policy.addGrant({
          id: 'g1',
          subject: { kind: 'principal', id: 'u1' },
          resourceType: 'x',
          resourceId: 'y',
          actions: ['read'],
          effect: 'allow',
          createdBy: null,
          createdAt: 4,
        }),
      ).toBe(false);
      await policy.setAssignments('u1', ['ops', 'VIEWER'], 'admin', 7);
      await policy.setAssignments('u1', ['ops'], 'admin', 8);
      const loaded = await policy.load();
      expect(loaded.roles).toEqual([
        {
          name: 'ops',
          description: null,
          inherits: ['VIEWER'],
          permissions: [],
          createdAt: 1,
          updatedAt: 2,
        },
      ]);
      expect(loaded.grants).toEqual([
        {
          id: 'g1',
          subject: { kind: 'role', name: 'ops' },
          resourceType: 'deploys',
          resourceId: 'prod-*',
          actions: ['create'],
          effect: 'deny',
          conditions,
          createdBy: 'admin',
          createdAt: 3,
        },
      ]);
      expect(loaded.assignments).toEqual([
        { principalId: 'u1', role: 'ops', assignedBy: 'admin', assignedAt: 8 },
      ]);
      expect(await policy.deleteGrant('g1')).toBe(true);
      expect(await policy.deleteGrant('g1')).toBe(false);
      expect(await policy.deleteRole('ops')).toBe(true);
      expect((await policy.load()).assignments).toEqual([]);
      expect(await policy.deleteRole('ops')).toBe(false);
    });

    it('decides a pending approval once and spends an approval exactly once under a race', async () => {
      const base = {
        operation: 'POST /x',
        fingerprint: 'f',
        requesterId: 'alice',
        required: 1,
        approvers: [] as string[],
        status: 'pending' as const,
        reason: null,
        createdAt: 1000,
        expiresAt: 10_000,
        decidedBy: null,
        decidedAt: null,
        spentAt: null,
        policy: null,
        approverRole: null,
        request: null,
        note: null,
      };
      await approvals.create({ ...base, id: 'a1' });
      await approvals.create({ ...base, id: 'a2', expiresAt: 1500 });
      expect((await approvals.listPending(2000, 10)).map((a) => a.id)).toEqual(['a1']);
      expect(await approvals.spend('a1', 2000)).toBe(false);
      expect(await approvals.decide('a1', 'approved', 'bob', 2000, null)).toMatchObject({
        status: 'approved',
        approvers: ['bob'],
      });
      expect(await approvals.decide('a1', 'rejected', 'carol', 2001, null)).toBe('closed');
      expect(await approvals.decide('a2', 'approved', 'bob', 2000, null)).toBe('closed');
      const spent = await Promise.all(Array.from({ length: 8 }, () => approvals.spend('a1', 3000)));
      expect(spent.filter(Boolean)).toHaveLength(1);
      expect(await approvals.find('a1')).toMatchObject({
        status: 'spent',
        decidedBy: 'bob',
        spentAt: 3000,
      });
    });

    it('approves a request needing two approvers only at the second distinct one, under a race', async () => {
      await approvals.create({
        id: 'k2',
        operation: 'POST /x',
        fingerprint: 'f',
        requesterId: 'alice',
        required: 2,
        approvers: [],
        status: 'pending',
        reason: null,
        createdAt: 1000,
        expiresAt: 10_000,
        decidedBy: null,
        decidedAt: null,
        spentAt: null,
        policy: 'big-changes',
        approverRole: 'RELEASE',
        request: null,
        note: null,
      });
      expect(await approvals.decide('k2', 'approved', 'bob', 2000, null)).toMatchObject({
        status: 'pending',
        approvers: ['bob'],
      });
      expect(await approvals.decide('k2', 'approved', 'bob', 2001, null)).toBe('duplicate');
      expect(await approvals.spend('k2', 2002)).toBe(false);
      const racing = await Promise.all(
        ['carol', 'dave', 'erin'].map((who) => approvals.decide('k2', 'approved', who, 2003, null)),
      );
      expect(racing.filter((x) => typeof x === 'object' && x.status === 'approved')).toHaveLength(
        1,
      );
      const final = await approvals.find('k2');
      expect(final?.status).toBe('approved');
      expect(final?.approvers).toHaveLength(2);
      expect(await approvals.spend('k2', 2004)).toBe(true);
    });

    it('counts every one of three approvers deciding at once, and spends nothing once expired', async () => {
      const base = {
        operation: 'POST /x',
        fingerprint: 'f',
        requesterId: 'alice',
        approvers: [] as string[],
        status: 'pending' as const,
        reason: null,
        createdAt: 1000,
        expiresAt: 10_000,
        decidedBy: null,
        decidedAt: null,
        spentAt: null,
        policy: null,
        approverRole: null,
        request: null,
        note: null,
      };
      await approvals.create({ ...base, id: 'k3', required: 3 });
      // Each reads no approver yet: a write that ignored the others would lose two of them.
      const racing = await Promise.all(
        ['carol', 'dave', 'erin'].map((who) => approvals.decide('k3', 'approved', who, 2000, null)),
      );
      expect(racing.filter((x) => typeof x === 'object' && x.status === 'approved')).toHaveLength(
        1,
      );
      const final = await approvals.find('k3');
      expect(final?.status).toBe('approved');
      expect([...(final?.approvers ?? [])].sort()).toEqual(['carol', 'dave', 'erin']);

      // An approval is good until it expires, however it was granted.
      await approvals.create({ ...base, id: 'late', required: 1 });
      expect(await approvals.decide('late', 'approved', 'bob', 2000, null)).toMatchObject({
        status: 'approved',
      });
      expect(await approvals.spend('late', 10_000)).toBe(false);
      expect(await approvals.spend('late', 20_000)).toBe(false);
      expect(await approvals.find('late')).toMatchObject({ status: 'approved', spentAt: null });
    });

    it('keeps the bound request sealed, opening it only under its own approval id', async () => {
      const secretBody = { items: ['a', 'b'], password: 'correct horse battery staple' };
      await approvals.create({
        id: 'sealed-1',
        operation: 'POST /v1/things',
        fingerprint: 'f',
        requesterId: 'alice',
        required: 1,
        approvers: [],
        status: 'pending',
        reason: null,
        createdAt: 1000,
        expiresAt: 10_000,
        decidedBy: null,
        decidedAt: null,
        spentAt: null,
        policy: 'p',
        approverRole: 'ADMIN',
        request: { method: 'POST', url: '/v1/things?dry=1', body: secretBody },
        note: 'ticket 7',
      });
      expect(await approvals.find('sealed-1')).toMatchObject({
        policy: 'p',
        approverRole: 'ADMIN',
        note: 'ticket 7',
        request: { method: 'POST', url: '/v1/things?dry=1', body: secretBody },
      });
      const db = handle.db.withTables<{
        authz_approvals: { id: string; request_sealed: string | null };
      }>();
      const row = await db
        .selectFrom('authz_approvals')
        .select('request_sealed')
        .where('id', '=', 'sealed-1')
        .executeTakeFirstOrThrow();
      expect(row.request_sealed).not.toContain('horse');
      // A sealed request copied onto another approval does not open there.
      await approvals.create({
        id: 'sealed-2',
        operation: 'POST /v1/things',
        fingerprint: 'f',
        requesterId: 'alice',
        required: 1,
        approvers: [],
        status: 'pending',
        reason: null,
        createdAt: 1000,
        expiresAt: 10_000,
        decidedBy: null,
        decidedAt: null,
        spentAt: null,
        policy: null,
        approverRole: null,
        request: null,
        note: null,
      });
      await db
        .updateTable('authz_approvals')
        .set({ request_sealed: row.request_sealed })
        .where('id', '=', 'sealed-2')
        .execute();
      await expect(approvals.find('sealed-2')).rejects.toThrow();
    });
  });
}
