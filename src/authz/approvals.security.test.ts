/**
 * Attacks on four-eyes approval: an administrator approving their own request, running an
 * approved operation twice (sequentially or racing on two connections), using someone
 * else's approval, using an approval for a different request than the one approved, and
 * using an approval after it expired. Each must be refused and recorded.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  type TestUser,
} from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { createSealer } from '../dataprotect/core/sealer.js';
import type { SecurityEvent } from '../events/security-event.js';
import { SqlApprovalStore } from '../storage/sql/sql-approval-store.js';
import { ApprovalService } from './approval-service.js';

describe('approvals of sensitive operations', () => {
  let r: TestRampart;
  let alice: TestUser;
  let bob: TestUser;
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        authz: {
          stepUp: { routes: [] },
          approvals: {
            routes: [
              'POST /v1/admin/signing-keys/rotate',
              'POST /v1/authz/grants',
              'POST /v1/admin/ip-bans',
              'DELETE /v1/admin/ip-rules/:id',
            ],
          },
        },
      },
    });
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    alice = await createAdmin(r, 'alice-admin@example.com');
    bob = await createAdmin(r, 'bob-admin@example.com');
  });
  afterAll(async () => r?.close());

  const rotate = (token: string, approvalId?: string) =>
    r.app.inject({
      method: 'POST',
      url: '/v1/admin/signing-keys/rotate',
      headers: { ...bearer(token), ...(approvalId ? { 'approval-id': approvalId } : {}) },
    });
  const decide = (id: string, verdict: 'approve' | 'reject', token: string) =>
    r.app.inject({
      method: 'POST',
      url: `/v1/authz/approvals/${id}/${verdict}`,
      headers: bearer(token),
      payload: {},
    });
  async function requestRotation(token: string): Promise<string> {
    const res = await rotate(token);
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json<{ code: string; approvalId: string; status: string }>();
    expect(body).toMatchObject({
      code: 'approval_required',
      status: 'pending',
      operation: 'POST /v1/admin/signing-keys/rotate',
    });
    return body.approvalId;
  }

  it('guards routes registered by every capability, the IP-ban admin route included', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/ip-bans',
      headers: bearer(alice.token),
      payload: { ip: '203.0.113.77', duration: 600 },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ code: 'approval_required' });
    expect((await r.ipAccess.list()).some((rule) => rule.cidr.startsWith('203.0.113.77'))).toBe(
      false,
    );
  });

  it('refuses to start when a listed route does not exist (a protection that protects nothing)', async () => {
    await expect(
      startTestRampart({
        overrides: { authz: { approvals: { routes: ['POST /v1/admin/no-such-route'] } } },
      }),
    ).rejects.toThrow(/POST \/v1\/admin\/no-such-route/);
  });

  it('refuses to start when an approval policy names a route that does not exist', async () => {
    await expect(
      startTestRampart({
        overrides: {
          authz: {
            approvals: { policies: [{ name: 'typo', routes: ['POST /v1/admin/no-such-thing'] }] },
          },
        },
      }),
    ).rejects.toThrow(/POST \/v1\/admin\/no-such-thing/);
  });

  it('answers 202 approval_required and does not run the operation', async () => {
    const kid = r.ring.current()?.kid;
    const id = await requestRotation(alice.token);
    expect(r.ring.current()?.kid).toBe(kid);
    const pending = await r.app.inject({
      method: 'GET',
      url: '/v1/authz/approvals',
      headers: bearer(bob.token),
    });
    expect(pending.json<{ items: { id: string }[] }>().items.map((a) => a.id)).toContain(id);
    expect(events.some((e) => e.type === 'authz.approval.requested' && e.target?.id === id)).toBe(
      true,
    );
  });

  it('refuses the requester approving their own request', async () => {
    const id = await requestRotation(alice.token);
    expectProblem(await decide(id, 'approve', alice.token), 403, 'approval_self_refused');
    expect(
      events.some(
        (e) =>
          e.type === 'authz.approval.refused' &&
          e.target?.id === id &&
          e.details.reason === 'self_approval',
      ),
    ).toBe(true);
  });

  it('runs an approved operation once, for its requester only', async () => {
    const kid = r.ring.current()?.kid;
    const id = await requestRotation(alice.token);
    const early = expectProblem(await rotate(alice.token, id), 403, 'approval_not_usable');
    expect(early.status).toBe(403);
    expect((await decide(id, 'approve', bob.token)).json()).toMatchObject({
      status: 'approved',
      decidedBy: expect.any(String),
    });
    expectProblem(await decide(id, 'reject', bob.token), 409, 'approval_closed');
    // Bob may not run Alice's approved request.
    expectProblem(await rotate(bob.token, id), 403, 'approval_not_usable');
    const ran = await rotate(alice.token, id);
    expect(ran.statusCode, ran.body).toBe(200);
    expect(r.ring.current()?.kid).not.toBe(kid);
    const again = expectProblem(await rotate(alice.token, id), 403, 'approval_not_usable');
    expect(again.status).toBe(403);
    expect(events.some((e) => e.type === 'authz.approval.used' && e.target?.id === id)).toBe(true);
  });

  it('lets exactly one of two concurrent retries with one approval run', async () => {
    const id = await requestRotation(alice.token);
    await decide(id, 'approve', bob.token);
    const results = await Promise.all([rotate(alice.token, id), rotate(alice.token, id)]);
    expect(results.map((x) => x.statusCode).sort()).toEqual([200, 403]);
  });

  it('refuses an approval presented for another request than the one approved', async () => {
    const grant = (id: string, approvalId?: string) =>
      r.app.inject({
        method: 'POST',
        url: '/v1/authz/grants',
        headers: { ...bearer(alice.token), ...(approvalId ? { 'approval-id': approvalId } : {}) },
        payload: {
          id,
          subject: { principal: 'p1' },
          resourceType: 'docs',
          resourceId: '*',
          actions: ['read'],
        },
      });
    const asked = await grant('small');
    expect(asked.statusCode).toBe(202);
    const id = asked.json<{ approvalId: string }>().approvalId;
    await decide(id, 'approve', bob.token);
    const swapped = expectProblem(await grant('much-bigger', id), 403, 'approval_not_usable');
    expect(swapped).toMatchObject({ status: 403 });
    expect((await grant('small', id)).statusCode).toBe(201);
  });

  it('refuses an approval presented for the same operation on another resource', async () => {
    // One route, two URLs: approving the lift of one rule must not lift another.
    const addRule = async (cidr: string) => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/admin/ip-rules',
        headers: bearer(alice.token),
        payload: { action: 'deny', cidr },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>().id;
    };
    const lift = (ruleId: string, approvalId?: string) =>
      r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/ip-rules/${ruleId}`,
        headers: { ...bearer(alice.token), ...(approvalId ? { 'approval-id': approvalId } : {}) },
      });
    const minor = await addRule('198.51.100.0/24');
    const major = await addRule('192.0.2.0/24');
    const asked = await lift(minor);
    expect(asked.statusCode, asked.body).toBe(202);
    const id = asked.json<{ approvalId: string }>().approvalId;
    await decide(id, 'approve', bob.token);
    const swapped = expectProblem(await lift(major, id), 403, 'approval_not_usable');
    expect(swapped).toMatchObject({ approvalStatus: 'other_request' });
    expect((await r.ipAccess.list()).map((rule) => rule.id)).toContain(major);
    expect((await lift(minor, id)).statusCode).toBe(204);
    expect((await r.ipAccess.list()).map((rule) => rule.id)).not.toContain(minor);
  });

  it('rejects: a rejected request never runs', async () => {
    const id = await requestRotation(alice.token);
    expect((await decide(id, 'reject', bob.token)).json()).toMatchObject({ status: 'rejected' });
    expectProblem(await rotate(alice.token, id), 403, 'approval_not_usable');
  });

  it('needs K distinct approvers when configured, never counting one twice or the requester', async () => {
    const service = new ApprovalService({
      store: new SqlApprovalStore(r.database.db, createSealer(randomBytes(32))),
      events: r.events,
      ttlMs: 60_000,
      required: 2,
    });
    const ctx = {};
    const requester = { kind: 'user' as const, id: 'requester' };
    const a = await service.request('POST /k', 'fp', requester, ctx);
    await expect(service.decide(a.id, 'approved', requester, null, ctx)).rejects.toMatchObject({
      code: 'approval_self_refused',
    });
    const first = await service.decide(a.id, 'approved', { kind: 'user', id: 'b1' }, null, ctx);
    expect(first).toMatchObject({ status: 'pending', approvers: ['b1'], required: 2 });
    await expect(
      service.decide(a.id, 'approved', { kind: 'user', id: 'b1' }, null, ctx),
    ).rejects.toMatchObject({
      code: 'approval_closed',
      extensions: { approvalStatus: 'already_approved_by_you' },
    });
    await expect(service.spend(a.id, 'POST /k', 'fp', requester, ctx)).rejects.toMatchObject({
      code: 'approval_not_usable',
      extensions: { approvalStatus: 'pending' },
    });
    await service.decide(a.id, 'approved', { kind: 'user', id: 'b2' }, null, ctx);
    await service.spend(a.id, 'POST /k', 'fp', requester, ctx);
  });

  it('refuses an expired approval, and deciding an expired request', async () => {
    let now = Date.now();
    const service = new ApprovalService({
      store: new SqlApprovalStore(r.database.db, createSealer(randomBytes(32))),
      events: r.events,
      ttlMs: 60_000,
      now: () => now,
    });
    const ctx = {};
    const requester = { kind: 'user' as const, id: 'requester' };
    const approver = { kind: 'user' as const, id: 'approver' };
    const a = await service.request('POST /x', 'fp', requester, ctx);
    await service.decide(a.id, 'approved', approver, null, ctx);
    now += 60_000;
    await expect(service.spend(a.id, 'POST /x', 'fp', requester, ctx)).rejects.toMatchObject({
      code: 'approval_not_usable',
      extensions: { approvalStatus: 'expired' },
    });
    const b = await service.request('POST /x', 'fp', requester, ctx);
    now += 60_001;
    await expect(service.decide(b.id, 'approved', approver, null, ctx)).rejects.toMatchObject({
      code: 'approval_closed',
    });
  });
});
