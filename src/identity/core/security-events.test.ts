import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

describe('identity security events', () => {
  let r: TestRampart;
  const seen: SecurityEvent[] = [];
  beforeAll(async () => {
    r = await startTestRampart();
    r.events.subscribe('test', (e) => {
      seen.push(e);
    });
  });
  afterAll(async () => r?.close());

  const ofType = (type: string) => seen.filter((e) => e.type === type);

  it('emits account.registered, auth.login.succeeded and auth.login.failed with actor, target and request id', async () => {
    const password = strongPassword();
    const reg = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      headers: { 'x-request-id': 'req-events-1', 'user-agent': 'events-test' },
      payload: { email: 'events@example.com', password },
    });
    const id = reg.json().id as string;
    expect(ofType('account.registered')).toEqual([
      expect.objectContaining({
        outcome: 'success',
        requestId: 'req-events-1',
        target: { type: 'account', id },
        actor: expect.objectContaining({ kind: 'user', id, userAgent: 'events-test' }),
      }),
    ]);

    await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'events@example.com', password },
    });
    expect(ofType('auth.login.succeeded')).toEqual([
      expect.objectContaining({ outcome: 'success', actor: expect.objectContaining({ id }) }),
    ]);

    await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'events@example.com', password: 'wrong but long enough' },
    });
    await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'wrong but long enough' },
    });
    const failed = ofType('auth.login.failed');
    expect(failed.map((e) => e.details.reason)).toEqual(['wrong_password', 'unknown_account']);
    expect(failed.every((e) => e.severity === 'warning' && e.outcome === 'failure')).toBe(true);
    // Events carry facts, never the secret itself.
    expect(JSON.stringify(seen)).not.toContain(password);
    expect(JSON.stringify(seen)).not.toContain('wrong but long enough');
  });

  it('emits signing_key.rotated naming the new and retired keys', async () => {
    const before = r.ring.current()?.kid;
    await r.signingKeys.rotate({ kind: 'system', id: 'test' });
    const [rotated] = ofType('signing_key.rotated');
    expect(rotated?.target?.id).toBe(r.ring.current()?.kid);
    expect(rotated?.details.retiredKids).toEqual([before]);
  });

  it('writes every security event to the log', () => {
    const logged = r.logs
      .filter((l) => typeof l.event === 'object')
      .map((l) => (l.event as SecurityEvent).type);
    expect(logged).toEqual(
      expect.arrayContaining([
        'account.registered',
        'auth.login.succeeded',
        'auth.login.failed',
        'signing_key.rotated',
      ]),
    );
  });
});
