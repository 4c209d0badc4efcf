import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin, type TestUser } from '../../../test/support/http-helpers.js';
import { openSse, type SseMessage } from '../../../test/support/sse-client.js';
import {
  startCluster,
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

const isEvent = (type: string) => (m: SseMessage) =>
  m.event === 'security-event' && (JSON.parse(m.data) as { type: string }).type === type;

describe('GET /v1/events/stream', () => {
  let r: TestRampart;
  let url: string;
  let admin: TestUser;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: { host: '127.0.0.1', dashboard: { liveHeartbeat: 1 } },
    });
    url = await r.listen();
    admin = await createAdmin(r);
  });
  afterAll(async () => r?.close());

  it('streams a security event as it is published, in the audit API field names', async () => {
    const stream = await openSse(`${url}/v1/events/stream`, bearer(admin.token));
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-store');
      expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@example.com', password: 'wrong' },
        remoteAddress: '198.51.100.4',
      });
      const message = await stream.next(isEvent('auth.login.failed'));
      const event = JSON.parse(message.data);
      expect(event).toMatchObject({
        type: 'auth.login.failed',
        outcome: 'failure',
        severity: 'warning',
        actor: { kind: 'anonymous', ip: '198.51.100.4' },
      });
      expect(message.id).toBe(event.id);
      expect(new Date(event.time).toISOString()).toBe(event.time);
    } finally {
      stream.close();
    }
  });

  it('sends only the events that pass the type, outcome and severity filters', async () => {
    const stream = await openSse(
      `${url}/v1/events/stream?type=ip.*,auth.login.failed&min_severity=notice`,
      bearer(admin.token),
    );
    try {
      expect(stream.status).toBe(200);
      await r.events.publish({
        type: 'auth.login.succeeded',
        outcome: 'success',
        actor: { kind: 'user', id: 'filtered-out' },
        details: {},
      });
      await r.events.publish({
        type: 'ip.rule.added',
        outcome: 'success',
        severity: 'info',
        actor: { kind: 'system', id: 'too-low' },
        details: {},
      });
      await r.events.publish({
        type: 'ip.banned',
        outcome: 'success',
        actor: { kind: 'system', id: 'passes' },
        details: {},
      });
      const message = await stream.next((m) => m.event === 'security-event');
      expect(JSON.parse(message.data).actor.id).toBe('passes');
    } finally {
      stream.close();
    }
  });

  it('keeps the connection open with heartbeat comments', async () => {
    const stream = await openSse(`${url}/v1/events/stream`, bearer(admin.token));
    try {
      await expect.poll(() => stream.comments, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      stream.close();
    }
  });

  it('refuses an unknown outcome with a validation problem', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/events/stream?outcome=maybe',
      headers: bearer(admin.token),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });

  it('stops listening when the viewer disconnects', async () => {
    // The earlier tests' streams are closed by now, or about to be.
    await expect.poll(() => r.liveEvents.listenerCount, { timeout: 10_000 }).toBe(0);
    const stream = await openSse(`${url}/v1/events/stream`, bearer(admin.token));
    expect(r.liveEvents.listenerCount).toBe(1);
    stream.close();
    await expect.poll(() => r.liveEvents.listenerCount, { timeout: 10_000 }).toBe(0);
  });
});

describe('GET /v1/events/stream on shutdown', () => {
  it('ends open streams so the server closes at once', async () => {
    const r = await startTestRampart({ overrides: { host: '127.0.0.1' } });
    const url = await r.listen();
    const admin = await createAdmin(r);
    const stream = await openSse(`${url}/v1/events/stream`, bearer(admin.token));
    expect(stream.status).toBe(200);
    const started = Date.now();
    await r.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe.skipIf(!process.env.RAMPART_TEST_DATABASE_URL || !process.env.RAMPART_TEST_REDIS_URL)(
  'GET /v1/events/stream in a cluster',
  () => {
    it('shows on one node the events of another, through Redis pub/sub, once each', async () => {
      const cluster = await startCluster(2, { host: '127.0.0.1' });
      try {
        const [a, b] = cluster.nodes as [TestRampart, TestRampart];
        await b.listen();
        const email = 'cluster-admin@example.com';
        const password = strongPassword();
        await a.accounts.createAccount({ email, password, roles: ['ADMIN'] }, { kind: 'system' });
        const login = await b.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email, password },
        });
        const token = login.json<{ access_token: string }>().access_token;
        const stream = await openSse(
          `${b.app.listeningOrigin}/v1/events/stream?type=ip.banned`,
          bearer(token),
        );
        try {
          expect(stream.status).toBe(200);
          await a.events.publish({
            type: 'ip.banned',
            outcome: 'success',
            actor: { kind: 'system', id: 'node-a' },
            details: {},
          });
          const message = await stream.next((m) => m.event === 'security-event');
          expect(JSON.parse(message.data).actor.id).toBe('node-a');
          await b.events.publish({
            type: 'ip.banned',
            outcome: 'success',
            actor: { kind: 'system', id: 'node-b' },
            details: {},
          });
          await stream.next((m) => m.data.includes('node-b'));
          // Each event once: node b's own event came through the channel only.
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(stream.messages.filter((m) => m.data.includes('node-b'))).toHaveLength(1);
          expect(stream.messages.filter((m) => m.data.includes('node-a'))).toHaveLength(1);
        } finally {
          stream.close();
        }
      } finally {
        await cluster.close();
      }
    }, 60_000);
  },
);
