import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, loginSession } from '../../../test/support/http-helpers.js';
import { recordEvents } from '../../../test/support/oauth-flow.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

const check = (id: string, action = 'delete', principal = 'someone') => ({
  principal: { kind: 'user', id: principal, roles: ['VIEWER'] },
  action,
  resource: { type: 'reports', id },
});

async function until<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('authz.denied from the decision API', () => {
  let r: TestRampart;
  let token: string;
  let callerId: string;
  let events: ReturnType<typeof recordEvents>;
  const denied = () =>
    events.filter((e) => e.type === 'authz.denied' && e.details.source === 'check_api');

  beforeAll(async () => {
    r = await startTestRampart();
    const service = await createUser(r, 'service@example.com', ['ADMIN']);
    callerId = service.id;
    token = (await loginSession(r, service.email, service.password)).access_token;
    events = recordEvents(r);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
  });

  const post = (url: string, payload: object) =>
    r.app.inject({ method: 'POST', url, payload, headers: bearer(token) });

  it('emits authz.denied for a denied check, naming the principal, resource, reason and caller', async () => {
    const res = await post('/v1/authz/check', check('r-1'));
    expect(res.json()).toMatchObject({ allowed: false });
    const event = await until(() => denied().find((e) => e.target?.id === 'r-1'));
    expect(event.actor).toMatchObject({ kind: 'user', id: 'someone' });
    expect(event.target).toEqual({ type: 'reports', id: 'r-1' });
    expect(event.requestId).toBe(res.headers['x-request-id']);
    expect(event.details).toMatchObject({
      action: 'delete',
      reason: res.json<{ reason: string }>().reason,
      caller: { kind: 'user', id: callerId },
      count: 1,
    });
  });

  it('emits nothing for an allowed check', async () => {
    const before = denied().length;
    const res = await post('/v1/authz/check', check('r-2', 'read'));
    expect(res.json()).toMatchObject({ allowed: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(denied().length).toBe(before);
  });

  it('emits one event per distinct denial of a batch', async () => {
    const res = await post('/v1/authz/check-batch', {
      checks: [check('b-1'), check('b-2', 'read'), check('b-3'), check('b-4', 'update')],
    });
    expect(res.statusCode, res.body).toBe(200);
    await until(() =>
      denied().filter((e) => e.target?.id?.startsWith('b-')).length === 3 ? true : undefined,
    );
    expect(
      denied()
        .filter((e) => e.target?.id?.startsWith('b-'))
        .map((e) => e.target?.id)
        .sort(),
    ).toEqual(['b-1', 'b-3', 'b-4']);
  });

  it('aggregates identical denials within a second into one event with a count', async () => {
    const res = await post('/v1/authz/check-batch', {
      checks: Array.from({ length: 100 }, () => check('flood')),
    });
    expect(res.statusCode, res.body).toBe(200);
    const again = await post('/v1/authz/check', check('flood'));
    expect(again.json()).toMatchObject({ allowed: false });
    const summary = await until(() =>
      denied().find((e) => e.target?.id === 'flood' && e.details.aggregated === true),
    );
    const flood = denied().filter((e) => e.target?.id === 'flood');
    // The first one at once, then one summary of the 100 others.
    expect(flood).toHaveLength(2);
    expect(flood[0]?.details.count).toBe(1);
    expect(summary.details).toMatchObject({ count: 100, windowMs: 1000 });
    expect(summary.requestId).toBeUndefined();
  });
});
