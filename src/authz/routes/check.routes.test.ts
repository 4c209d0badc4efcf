import Fastify, { type FastifyInstance, type preHandlerAsyncHookHandler } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RampartError } from '../../errors/rampart-error.js';
import { registerErrorHandling } from '../../http/error-handler.js';
import { validatorCompiler } from '../../http/validator-compiler.js';
import { identityErrors } from '../../identity/errors.js';
import { createPolicyHolder } from '../policy-store.js';
import { authzRoutes } from './check.routes.js';

/** Stands in for the authenticator: the `x-test-permission` header says what the caller holds. */
const auth = {
  requirePermission(permission: string): preHandlerAsyncHookHandler {
    return async (request) => {
      if (request.headers['x-test-permission'] !== permission)
        throw new RampartError(identityErrors.permission_denied);
    };
  },
};

const holder = createPolicyHolder({
  grants: [
    {
      id: 'office',
      subject: { kind: 'principal', id: 'alice' },
      resourceType: 'reports',
      resourceId: 'q-*',
      actions: ['read'],
      effect: 'allow',
      conditions: { ipCidrs: ['10.0.0.0/8'] },
    },
  ],
});

const check = (action: string, id: string, ip?: string) => ({
  principal: { kind: 'user', id: 'alice', roles: [] },
  action,
  resource: { type: 'reports', id },
  ...(ip ? { context: { ip } } : {}),
});

describe('the decision API', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    registerErrorHandling(app, { publicUrl: 'http://localhost:3000' });
    await app.register(authzRoutes, { auth, decide: holder.decide });
    await app.ready();
  });
  afterAll(async () => app?.close());

  const post = (url: string, payload: object, permission = 'authz:check') =>
    app.inject({ method: 'POST', url, payload, headers: { 'x-test-permission': permission } });

  it('answers one check with the decision and its reason', async () => {
    const yes = await post('/v1/authz/check', check('read', 'q-1', '10.1.2.3'));
    expect(yes.statusCode, yes.body).toBe(200);
    expect(yes.json()).toEqual({
      allowed: true,
      reason: 'allowed_by_grant:office',
      matched: { grantId: 'office' },
    });
    const no = await post('/v1/authz/check', check('read', 'q-1', '192.0.2.1'));
    expect(no.json()).toMatchObject({ allowed: false, reason: 'condition_failed:ip' });
  });

  it('answers a batch in order', async () => {
    const res = await post('/v1/authz/check-batch', {
      checks: [
        check('read', 'q-1', '10.0.0.1'),
        check('delete', 'q-1', '10.0.0.1'),
        check('read', 'x'),
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ results: { reason: string }[] }>().results.map((r) => r.reason)).toEqual([
      'allowed_by_grant:office',
      'no_grant',
      'no_grant',
    ]);
  });

  it('refuses more than 100 checks in a batch, and an empty one', async () => {
    const many = Array.from({ length: 101 }, () => check('read', 'q-1'));
    const res = await post('/v1/authz/check-batch', { checks: many });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
    expect((await post('/v1/authz/check-batch', { checks: [] })).statusCode).toBe(400);
    const hundred = Array.from({ length: 100 }, () => check('read', 'q-1'));
    expect((await post('/v1/authz/check-batch', { checks: hundred })).statusCode).toBe(200);
  });

  it('refuses unknown fields, including a caller-chosen clock', async () => {
    const res = await post('/v1/authz/check', {
      ...check('read', 'q-1'),
      context: { ip: '10.0.0.1', now: 0 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
    const extra = await post('/v1/authz/check', { ...check('read', 'q-1'), admin: true });
    expect(extra.json()).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses a caller without authz:check', async () => {
    const res = await post('/v1/authz/check', check('read', 'q-1'), 'tokens:introspect');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'permission_denied' });
  });

  it('a policy replaced is in force for the next check; an invalid one is refused and the old stays', async () => {
    expect(() =>
      holder.replace({
        roles: [
          { name: 'a', inherits: ['b'] },
          { name: 'b', inherits: ['a'] },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'authz_role_cycle' }));
    expect(() => holder.replace({ roles: [{ name: 'a', inherits: ['nope'] }] })).toThrow(
      expect.objectContaining({ code: 'authz_policy_invalid' }),
    );
    expect((await post('/v1/authz/check', check('read', 'q-1', '10.0.0.1'))).json()).toMatchObject({
      allowed: true,
    });
    holder.replace({});
    expect((await post('/v1/authz/check', check('read', 'q-1', '10.0.0.1'))).json()).toMatchObject({
      allowed: false,
      reason: 'no_grant',
    });
  });
});
