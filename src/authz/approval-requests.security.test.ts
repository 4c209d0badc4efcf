/**
 * Attacks on the generic approval API (POST /v1/authz/approvals, …/execute) and on
 * approval policies: a requester approving their own request or counting one approver
 * twice; executing an approved change twice, after it expired, or as someone else; running
 * a bigger change than the one approved; asking for approval of a route that needs none,
 * or of one the requester may not use at all, to get it run; and slipping a change just
 * under a policy's threshold. Each is refused (and recorded) or runs exactly as approved.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
  type TestUser,
} from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import type { SecurityEvent } from '../events/security-event.js';

interface ApprovalJson {
  id: string;
  status: string;
  policy: string | null;
  required: number;
  approvers: string[];
  note: string | null;
  request: { method: string; url: string; body: unknown } | null;
}

describe('the approval API and approval policies', () => {
  let r: TestRampart;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let viewerToken: string;
  const runs: unknown[] = [];
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        authz: {
          stepUp: { routes: [] },
          approvals: {
            routes: ['POST /v1/admin/signing-keys/rotate'],
            policies: [
              {
                name: 'bulk-changes',
                routes: ['POST /test/deploys'],
                required: 2,
                when: { minItems: { path: 'changes', count: 3 } },
              },
              { name: 'breaking', routes: ['POST /test/deploys'], when: { bodyFlag: 'breaking' } },
              {
                name: 'production',
                routes: ['POST /test/deploys'],
                when: { environments: ['production'] },
              },
            ],
          },
        },
      },
      register: async (app) => {
        const body = {
          type: 'object',
          properties: {
            changes: { type: 'array', items: { type: 'string' }, maxItems: 100 },
            breaking: { type: 'boolean' },
          },
          required: ['changes'],
          additionalProperties: false,
        };
        for (const url of ['/test/deploys', '/test/notes'])
          app.post(
            url,
            { preHandler: app.rampartAuth.requirePermission('deploys:create'), schema: { body } },
            async (request, reply) => {
              runs.push(request.body);
              return reply.code(201).send({ ran: runs.length });
            },
          );
      },
    });
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    alice = await createAdmin(r, 'alice-requester@example.com');
    bob = await createAdmin(r, 'bob-approver@example.com');
    carol = await createAdmin(r, 'carol-approver@example.com');
    const viewer = await createUser(r, 'vic-viewer@example.com', ['VIEWER']);
    viewerToken = await login(r, viewer.email, viewer.password);
  });
  afterAll(async () => r?.close());
  beforeEach(() => {
    runs.length = 0;
  });

  const deploy = (token: string, body: object, approvalId?: string) =>
    r.app.inject({
      method: 'POST',
      url: '/test/deploys',
      headers: { ...bearer(token), ...(approvalId ? { 'approval-id': approvalId } : {}) },
      payload: body,
    });
  const create = (token: string, payload: object) =>
    r.app.inject({ method: 'POST', url: '/v1/authz/approvals', headers: bearer(token), payload });
  const decide = (id: string, verdict: 'approve' | 'reject', token: string) =>
    r.app.inject({
      method: 'POST',
      url: `/v1/authz/approvals/${id}/${verdict}`,
      headers: bearer(token),
      payload: {},
    });
  const execute = (id: string, token: string) =>
    r.app.inject({
      method: 'POST',
      url: `/v1/authz/approvals/${id}/execute`,
      headers: bearer(token),
    });
  async function created(payload: object): Promise<ApprovalJson> {
    const res = await create(alice.token, payload);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<ApprovalJson>();
  }
  const three = { changes: ['a', 'b', 'c'] };

  describe('policy conditions at their boundaries', () => {
    it('runs a change of N-1 items directly, and holds one of N items for two approvers', async () => {
      const small = await deploy(alice.token, { changes: ['a', 'b'] });
      expect(small.statusCode, small.body).toBe(201);
      expect(runs).toHaveLength(1);
      const big = await deploy(alice.token, three);
      expect(big.statusCode).toBe(202);
      expect(big.json()).toMatchObject({ code: 'approval_required', policy: 'bulk-changes' });
      expect(runs).toHaveLength(1);
    });

    it('holds a breaking change whatever its size, and runs one flagged false', async () => {
      const breaking = await deploy(alice.token, { changes: ['a'], breaking: true });
      expect(breaking.statusCode).toBe(202);
      expect(breaking.json()).toMatchObject({ policy: 'breaking' });
      expect((await deploy(alice.token, { changes: ['a'], breaking: false })).statusCode).toBe(201);
    });

    it('does not apply a production-only policy outside production (this runs in development)', async () => {
      expect(r.config.env).toBe('development');
      expect((await deploy(alice.token, { changes: [] })).statusCode).toBe(201);
    });
  });

  describe('POST /v1/authz/approvals', () => {
    it('records the exact request with the reason and policy, and does not run it', async () => {
      const a = await created({
        method: 'POST',
        url: '/test/deploys',
        body: three,
        reason: 'CHG-1',
      });
      expect(a).toMatchObject({
        status: 'pending',
        policy: 'bulk-changes',
        required: 2,
        note: 'CHG-1',
        request: { method: 'POST', url: '/test/deploys', body: three },
      });
      expect(runs).toHaveLength(0);
      const open = await r.app.inject({
        method: 'GET',
        url: '/v1/authz/approvals',
        headers: bearer(bob.token),
      });
      expect(open.json<{ items: ApprovalJson[] }>().items.map((x) => x.id)).toContain(a.id);
      expect(
        events.some(
          (e) =>
            e.type === 'authz.approval.requested' &&
            e.target?.id === a.id &&
            e.details.reason === 'CHG-1' &&
            e.details.policy === 'bulk-changes',
        ),
      ).toBe(true);
    });

    it('refuses a route without approval policies, and never runs it', async () => {
      const res = await create(alice.token, { method: 'POST', url: '/test/notes', body: three });
      expectProblem(res, 400, 'approval_not_required');
      expect(runs).toHaveLength(0);
    });

    it('refuses a request none of the route policies applies to, and never runs it', async () => {
      const res = await create(alice.token, {
        method: 'POST',
        url: '/test/deploys',
        body: { changes: ['a', 'b'] },
      });
      expectProblem(res, 400, 'approval_not_required');
      expect(runs).toHaveLength(0);
    });

    it("answers with the route's own refusal for a caller who may not use it at all", async () => {
      const before = events.filter((e) => e.type === 'authz.approval.requested').length;
      const res = await create(viewerToken, { method: 'POST', url: '/test/deploys', body: three });
      expectProblem(res, 403, 'permission_denied');
      expect(events.filter((e) => e.type === 'authz.approval.requested')).toHaveLength(before);
    });

    it("answers with the route's validation problem for a body it would refuse", async () => {
      const res = await create(alice.token, {
        method: 'POST',
        url: '/test/deploys',
        body: { changes: ['a', 'b', 'c'], extra: 1 },
      });
      expectProblem(res, 400, 'validation_failed');
    });

    it('refuses a URL that is not a path', async () => {
      const res = await create(alice.token, { method: 'POST', url: 'https://evil.example/x' });
      expectProblem(res, 400, 'validation_failed');
    });
  });

  describe('deciding and executing', () => {
    it('refuses the requester approving their own request', async () => {
      const a = await created({ method: 'POST', url: '/test/deploys', body: three });
      expectProblem(await decide(a.id, 'approve', alice.token), 403, 'approval_self_refused');
    });

    it('refuses an approval or rejection by someone without the approver role', async () => {
      const a = await created({
        method: 'POST',
        url: '/test/deploys',
        body: { changes: [], breaking: true },
      });
      expectProblem(await decide(a.id, 'approve', viewerToken), 403, 'permission_denied');
      expectProblem(await decide(a.id, 'reject', viewerToken), 403, 'permission_denied');
      const record = await r.app.inject({
        method: 'GET',
        url: `/v1/authz/approvals/${a.id}`,
        headers: bearer(bob.token),
      });
      expect(record.json()).toMatchObject({ status: 'pending', approvers: [] });
      expectProblem(await execute(a.id, alice.token), 403, 'approval_not_usable');
      expect(runs).toHaveLength(0);
    });

    it('needs K distinct approvers, then runs the bound request once as its requester', async () => {
      const a = await created({ method: 'POST', url: '/test/deploys', body: three });
      expect((await decide(a.id, 'approve', bob.token)).json()).toMatchObject({
        status: 'pending',
        approvers: [expect.any(String)],
      });
      expectProblem(await decide(a.id, 'approve', bob.token), 409, 'approval_closed');
      expectProblem(await execute(a.id, alice.token), 403, 'approval_not_usable');
      expect((await decide(a.id, 'approve', carol.token)).json()).toMatchObject({
        status: 'approved',
      });
      // Someone else may not execute it.
      const stolen = expectProblem(await execute(a.id, bob.token), 403, 'approval_not_usable');
      expect(stolen.status).toBe(403);
      const ran = await execute(a.id, alice.token);
      expect(ran.statusCode, ran.body).toBe(201);
      expect(ran.json()).toEqual({ ran: 1 });
      expect(runs).toEqual([three]);
      expect(
        events.some(
          (e) =>
            e.type === 'authz.approval.executed' &&
            e.target?.id === a.id &&
            e.details.status === 201,
        ),
      ).toBe(true);
      expect(events.some((e) => e.type === 'authz.approval.used' && e.target?.id === a.id)).toBe(
        true,
      );

      const again = await execute(a.id, alice.token);
      expect(expectProblem(again, 403, 'approval_not_usable').status).toBe(403);
      expect(again.json()).toMatchObject({ approvalStatus: 'spent' });
      // Nor through the Approval-Id header.
      expectProblem(await deploy(alice.token, three, a.id), 403, 'approval_not_usable');
      expect(runs).toHaveLength(1);
    });

    it('lets exactly one of two concurrent executions run', async () => {
      const a = await created({
        method: 'POST',
        url: '/test/deploys',
        body: { changes: ['x'], breaking: true },
      });
      await decide(a.id, 'approve', bob.token);
      const results = await Promise.all([execute(a.id, alice.token), execute(a.id, alice.token)]);
      expect(results.map((x) => x.statusCode).sort()).toEqual([201, 403]);
      expect(runs).toHaveLength(1);
    });

    it('refuses a request whose body differs from the one approved', async () => {
      const a = await created({ method: 'POST', url: '/test/deploys', body: three });
      await decide(a.id, 'approve', bob.token);
      await decide(a.id, 'approve', carol.token);
      const bigger = { changes: ['a', 'b', 'c', 'd'] };
      const swapped = await deploy(alice.token, bigger, a.id);
      expectProblem(swapped, 403, 'approval_not_usable');
      expect(swapped.json()).toMatchObject({ approvalStatus: 'other_request' });
      expect(runs).toHaveLength(0);
      // The approval created through the API also serves the Approval-Id header, once.
      expect((await deploy(alice.token, three, a.id)).statusCode).toBe(201);
      expectProblem(await execute(a.id, alice.token), 403, 'approval_not_usable');
      expect(runs).toHaveLength(1);
    });

    it('refuses executing an approval after it expired', async () => {
      const a = await created({
        method: 'POST',
        url: '/test/deploys',
        body: { changes: [], breaking: true },
      });
      await decide(a.id, 'approve', bob.token);
      await r.database.db
        .withTables<{ authz_approvals: { id: string; expires_at: number } }>()
        .updateTable('authz_approvals')
        .set({ expires_at: Date.now() - 1 })
        .where('id', '=', a.id)
        .execute();
      const res = await execute(a.id, alice.token);
      expectProblem(res, 403, 'approval_not_usable');
      expect(res.json()).toMatchObject({ approvalStatus: 'expired' });
      expect(runs).toHaveLength(0);
    });

    it('executes an approval asked for through the 202 answer too', async () => {
      const asked = await deploy(alice.token, { changes: ['z'], breaking: true });
      const id = asked.json<{ approvalId: string }>().approvalId;
      await decide(id, 'approve', bob.token);
      const ran = await execute(id, alice.token);
      expect(ran.statusCode, ran.body).toBe(201);
      expect(runs).toEqual([{ changes: ['z'], breaking: true }]);
    });
  });
});
