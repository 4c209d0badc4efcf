/**
 * Attack: watch the live security feed without the right to, to learn which attempts
 * are noticed and to harvest the addresses and account ids it carries. The stream needs
 * events:read: an anonymous caller, a DEVELOPER and an API key without the scope are
 * refused before a single byte of the stream is sent. And a viewer who may watch it
 * must not read there a secret a publisher put in an event's details, which the audit
 * trail and the logs redact by classification: the feed redacts it the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin, login } from '../../../test/support/http-helpers.js';
import { openSse, type SseMessage } from '../../../test/support/sse-client.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

describe('GET /v1/events/stream refusals', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('refuses an anonymous caller with authentication_required', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/events/stream' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('authentication_required');
  });

  it('refuses an account without a role, which lacks events:read, with permission_denied', async () => {
    const email = 'plain@example.com';
    const password = strongPassword();
    await r.accounts.createAccount({ email, password, roles: [] }, { kind: 'system' });
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/events/stream',
      headers: bearer(await login(r, email, password)),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('permission_denied');
  });

  it("refuses an administrator's API key scoped to audit:read only", async () => {
    const admin = await createAdmin(r);
    const issued = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(admin.token),
      payload: { name: 'narrow', scopes: ['audit:read'] },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/events/stream',
      headers: bearer(issued.json().key),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('permission_denied');
  });
});

describe('GET /v1/events/stream redaction', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        host: '127.0.0.1',
        // An operator's own rule applies to the feed as to the audit trail.
        dataProtection: {
          classification: [{ path: '**.iban', sensitivity: 'RESTRICTED', handling: 'hash' }],
        },
      },
    });
  });
  afterAll(async () => r?.close());

  it('never streams a classified value of event details in clear', async () => {
    const url = await r.listen();
    const admin = await createAdmin(r);
    const stream = await openSse(`${url}/v1/events/stream`, bearer(admin.token));
    try {
      expect(stream.status).toBe(200);
      await r.events.publish({
        type: 'apikey.created',
        outcome: 'success',
        actor: { kind: 'user', id: 'acc_live' },
        details: {
          password: 'hunter2-live-feed',
          nested: { refresh_token: 'rt-live-feed-value' },
          email: 'grace.hopper@example.com',
          scopes: ['audit:read'],
          payout: { iban: 'DE89370400440532013000' },
        },
      });
      const message = await stream.next(
        (m: SseMessage) =>
          m.event === 'security-event' &&
          (JSON.parse(m.data) as { type: string }).type === 'apikey.created',
      );
      for (const secret of [
        'hunter2-live-feed',
        'rt-live-feed-value',
        'grace.hopper',
        'DE89370400440532013000',
      ])
        expect(message.data).not.toContain(secret);
      expect(JSON.parse(message.data)).toMatchObject({
        details: {
          password: '[redacted]',
          email: 'g***@example.com',
          scopes: ['audit:read'],
        },
      });
    } finally {
      stream.close();
    }
  });
});
