import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import { registerErrorHandling } from '../http/error-handler.js';
import type { UserPrincipal } from '../identity/principal.js';
import { ApprovalPolicies } from './approval-policies.js';
import type { ApprovalService } from './approval-service.js';
import { InternalApprovalCalls } from './internal-approval-calls.js';
import sensitiveRoutes from './sensitive-routes.plugin.js';

const passwordOnly: UserPrincipal = {
  kind: 'user',
  id: 'u1',
  roles: ['ADMIN'],
  tokenId: 't',
  tokenExpiresAt: Math.floor(Date.now() / 1000) + 600,
  amr: ['pwd'],
  authTime: Math.floor(Date.now() / 1000),
  sessionId: 's',
};

const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
});

async function appFor(production: boolean, stepUpRoutes: string[] = []): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  registerErrorHandling(app, { publicUrl: 'http://localhost:3000' });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    request.principal = passwordOnly;
  });
  await app.register(sensitiveRoutes, {
    stepUpRoutes,
    stepUpMaxAgeSeconds: 300,
    approvalPolicies: new ApprovalPolicies([], 'development'),
    // No approval route is configured, so the service is never reached.
    approvals: {} as ApprovalService,
    internalCalls: new InternalApprovalCalls(),
    events: new EventBus({ onHandlerError: () => {} }),
    production,
  });
  app.post('/marked', { config: { sensitive: true } }, async () => ({ ok: true }));
  app.post('/plain', async () => ({ ok: true }));
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/several',
    handler: async () => ({ ok: true }),
  });
  await app.ready();
  return app;
}

describe('routes marked sensitive', () => {
  it('need a recent MFA login in production, and only there', async () => {
    const prod = await appFor(true);
    const marked = await prod.inject({ method: 'POST', url: '/marked' });
    expect(marked.statusCode).toBe(401);
    expect(marked.json()).toMatchObject({ code: 'step_up_required' });
    expect((await prod.inject({ method: 'POST', url: '/plain' })).statusCode).toBe(200);
    const dev = await appFor(false);
    expect((await dev.inject({ method: 'POST', url: '/marked' })).statusCode).toBe(200);
  });
});

describe('a route with several methods', () => {
  const status = async (app: FastifyInstance, method: 'GET' | 'POST' | 'DELETE') =>
    (await app.inject({ method, url: '/several' })).statusCode;

  it('guards only the methods listed, whichever comes first in the route', async () => {
    const post = await appFor(false, ['POST /several']);
    expect([
      await status(post, 'GET'),
      await status(post, 'POST'),
      await status(post, 'DELETE'),
    ]).toEqual([200, 401, 200]);
    const get = await appFor(false, ['GET /several']);
    expect([
      await status(get, 'GET'),
      await status(get, 'POST'),
      await status(get, 'DELETE'),
    ]).toEqual([401, 200, 200]);
  });

  it('guards every method listed, not only the first', async () => {
    const both = await appFor(false, ['POST /several', 'DELETE /several']);
    expect([
      await status(both, 'GET'),
      await status(both, 'POST'),
      await status(both, 'DELETE'),
    ]).toEqual([200, 401, 401]);
  });
});
