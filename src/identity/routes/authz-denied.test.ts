import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

describe('authorization refusals are security events', () => {
  let r: TestRampart;
  let events: SecurityEvent[];
  let viewer: { id: string; token: string };
  beforeAll(async () => {
    r = await startTestRampart();
    events = [];
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    const v = await createUser(r, 'denied-viewer@example.com', ['VIEWER']);
    viewer = { id: v.id, token: await login(r, v.email, v.password) };
  });
  afterAll(async () => r?.close());

  it('records a person refused an administrator route', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/service-accounts',
      headers: bearer(viewer.token),
      payload: { name: 'nope', roles: [] },
    });
    expectProblem(res, 403, 'permission_denied');
    const event = events.find((e) => e.type === 'authz.denied' && e.actor.id === viewer.id);
    expect(event).toMatchObject({
      outcome: 'denied',
      actor: { kind: 'user', id: viewer.id },
      target: { type: 'route', id: 'POST /v1/service-accounts' },
      requestId: res.headers['x-request-id'],
      details: { roles: ['VIEWER'] },
    });
  });

  it('records an API key refused a permission it lacks, naming the key', async () => {
    const issued = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(viewer.token),
      payload: { name: 'reader', scopes: ['apikeys:read'] },
    });
    const key = issued.json<{ id: string; key: string }>();
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/introspect',
      headers: bearer(key.key),
      payload: { token: viewer.token },
    });
    expectProblem(res, 403, 'permission_denied');
    expect(events.find((e) => e.type === 'authz.denied' && e.actor.id === key.id)).toMatchObject({
      actor: { kind: 'api_key' },
      details: { permission: 'tokens:introspect' },
    });
  });
});
