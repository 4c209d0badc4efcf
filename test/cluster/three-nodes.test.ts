import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/shared/sign-request.js';
import { createUser } from '../support/http-helpers.js';
import {
  createTestDatabase,
  type TestDatabase,
  uniqueRedisPrefix,
} from '../support/test-databases.js';
import { startTestRampart, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

async function signedRoute(app: FastifyInstance): Promise<void> {
  app.post('/test/transfer', { preHandler: app.rampartAuth.requireSignature() }, async () => ({
    ok: true,
  }));
}

/**
 * Three Rampart processes' worth of nodes, each listening on its own port, sharing one
 * PostgreSQL schema and one Redis prefix; clients reach them over real HTTP through a
 * trusted proxy address (127.0.0.1) that names the client in X-Forwarded-For.
 */
describe.skipIf(!clustered)('three nodes on one PostgreSQL and Redis', () => {
  let database: TestDatabase;
  const nodes: { rampart: TestRampart; url: string }[] = [];
  let adminToken: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const redisKeyPrefix = uniqueRedisPrefix();
    for (let i = 0; i < 3; i++) {
      const rampart = await startTestRampart({
        join: { database, redisKeyPrefix },
        register: signedRoute,
        overrides: {
          host: '127.0.0.1',
          network: { trustedProxies: ['127.0.0.1'] },
          rateLimit: {
            routes: [
              {
                method: 'GET',
                url: '/.well-known/jwks.json',
                limit: 10,
                window: 60,
                key: ['route'],
              },
            ],
          },
        },
      });
      nodes.push({ rampart, url: await rampart.listen() });
    }
    const first = nodes[0]?.rampart as TestRampart;
    const admin = await createUser(first, 'cluster-admin@example.com', ['ADMIN']);
    adminToken = await login(0, admin.email, admin.password);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.rampart.close()));
    await database?.drop();
  });

  function call(node: number, path: string, init: RequestInit = {}, client = '203.0.113.10') {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', client);
    return fetch(`${nodes[node]?.url}${path}`, { ...init, headers });
  }

  async function login(node: number, email: string, password: string): Promise<string> {
    const res = await call(node, '/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('enforces one global rate limit exactly across the three nodes', async () => {
    const results = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        call(i % 3, '/.well-known/jwks.json', {}, `198.51.100.${i}`),
      ),
    );
    const statuses = await Promise.all(
      results.map(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
  });

  it('refuses on node 3 a nonce used on node 1', async () => {
    const user = await createUser(nodes[0]?.rampart as TestRampart, 'signer3@example.com', [
      'DEVELOPER',
    ]);
    const token = await login(1, user.email, user.password);
    const issued = await call(2, '/v1/api-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'transfers', scopes: ['apikeys:read'], signing: true }),
    });
    expect(issued.status).toBe(201);
    const key = (await issued.json()) as { id: string; signingSecret: string };
    const body = '{"amount":1}';
    const headers = {
      ...signRequest({
        keyId: key.id,
        secret: key.signingSecret,
        method: 'POST',
        url: '/test/transfer',
        body,
      }),
      'content-type': 'application/json',
    };
    const once = await call(0, '/test/transfer', { method: 'POST', headers, body });
    expect(once.status).toBe(200);
    const replay = await call(2, '/test/transfer', { method: 'POST', headers, body });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('signature_replayed');
  });

  it('holds a ban and a logout made on one node on the others at once', async () => {
    const banned = await call(0, '/v1/admin/ip-bans', {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '203.0.113.66', duration: 600 }),
    });
    expect(banned.status).toBe(201);
    for (const node of [1, 2]) {
      const res = await call(node, '/health', {}, '203.0.113.66');
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('ip_blocked');
    }
    expect((await call(2, '/health', {}, '203.0.113.67')).status).toBe(200);

    const user = await createUser(nodes[0]?.rampart as TestRampart, 'logout3@example.com');
    const token = await login(2, user.email, user.password);
    const auth = { authorization: `Bearer ${token}` };
    for (const node of [0, 1, 2])
      expect((await call(node, '/v1/me', { headers: auth })).status).toBe(200);
    expect((await call(1, '/v1/auth/logout', { method: 'POST', headers: auth })).status).toBe(204);
    for (const node of [0, 2])
      expect((await call(node, '/v1/me', { headers: auth })).status).toBe(401);
  });
});
