import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../http/error-handler.js';
import type { UserPrincipal } from '../identity/principal.js';
import { requireStepUp } from './step-up.js';

const nowMs = 1_800_000_000_000;
const user = (amr: string[], authTime: number | undefined): UserPrincipal => ({
  kind: 'user',
  id: 'u1',
  roles: ['ADMIN'],
  tokenId: 't',
  tokenExpiresAt: nowMs / 1000 + 600,
  amr,
  authTime,
  sessionId: 's',
});

describe('requireStepUp', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    registerErrorHandling(app, { publicUrl: 'http://localhost:3000' });
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      const h = request.headers['x-test-principal'];
      if (typeof h === 'string') request.principal = JSON.parse(h) as UserPrincipal;
    });
    app.post(
      '/sensitive',
      { preHandler: requireStepUp({ maxAgeSeconds: 300, now: () => nowMs }) },
      async () => ({ ok: true }),
    );
    await app.ready();
  });
  afterAll(async () => app?.close());

  const call = (principal: UserPrincipal | undefined) =>
    app.inject({
      method: 'POST',
      url: '/sensitive',
      headers: principal ? { 'x-test-principal': JSON.stringify(principal) } : {},
    });

  it('passes an MFA login exactly maxAgeSeconds old', async () => {
    expect((await call(user(['pwd', 'otp', 'mfa'], nowMs / 1000 - 300))).statusCode).toBe(200);
  });

  it('refuses an MFA login one second too old with step_up_required and max_age', async () => {
    const res = await call(user(['pwd', 'otp', 'mfa'], nowMs / 1000 - 301));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'step_up_required', maxAgeSeconds: 300 });
    expect(res.headers['www-authenticate']).toContain('max_age=300');
  });

  it('refuses a fresh password-only login', async () => {
    const res = await call(user(['pwd'], nowMs / 1000));
    expect(res.json()).toMatchObject({ code: 'step_up_required' });
  });

  it('refuses a token without auth_time', async () => {
    expect((await call(user(['mfa'], undefined))).json()).toMatchObject({
      code: 'step_up_required',
    });
  });

  it('refuses an unauthenticated request as such', async () => {
    expect((await call(undefined)).json()).toMatchObject({ code: 'authentication_required' });
  });

  it('refuses a maxAgeSeconds that is not a positive integer at build time', () => {
    expect(() => requireStepUp({ maxAgeSeconds: 0 })).toThrow();
  });
});
