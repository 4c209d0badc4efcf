import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerUser } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

describe('log context', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      register: async (app) => {
        app.get('/test/log-context', { config: { action: 'test.inspect' } }, async (request) => {
          request.log.info({ step: 'inside' }, 'handler line');
          return { ok: true };
        });
      },
    });
  });
  afterAll(async () => r?.close());

  const linesOf = (requestId: unknown) => r.logs.filter((l) => l.reqId === requestId);

  it('puts the request id, the user id, the action and the resource on every line after authentication', async () => {
    const user = await registerUser(r, 'context@example.com');
    const res = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
    expect(res.statusCode).toBe(200);
    const me = res.json<{ id: string }>();
    const lines = linesOf(res.headers['x-request-id']);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatchObject({
        reqId: res.headers['x-request-id'],
        userId: me.id,
        action: 'read',
        resource: '/v1/me',
      });
    }
  });

  it('names the action a route declares, and carries the context into handler lines', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/test/log-context' });
    const inside = linesOf(res.headers['x-request-id']).find((l) => l.msg === 'handler line');
    expect(inside).toMatchObject({
      action: 'test.inspect',
      resource: '/test/log-context',
      step: 'inside',
    });
    // Anonymous: no user id is invented.
    expect(inside).not.toHaveProperty('userId');
  });
});
