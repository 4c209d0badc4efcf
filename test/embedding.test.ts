import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The README's embedding example, run as a user runs it: it imports the package by name.
import { startOrdersService } from '../examples/orders-service.mjs';

type Started = Awaited<ReturnType<typeof startOrdersService>>;

const limit = 6;
let service: Started;
let url: string;
const admin = {
  email: 'owner@example.com',
  password: `correct horse ${randomBytes(6).toString('hex')}`,
};
const clerk = {
  email: 'clerk@example.com',
  password: `battery staple ${randomBytes(6).toString('hex')}`,
};
let adminToken: string;
let clerkId: string;
let clerkToken: string;

async function login(who: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function call(
  method: string,
  path: string,
  credential?: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

beforeAll(async () => {
  service = await startOrdersService({
    env: {},
    noFile: true,
    overrides: {
      port: 0,
      databaseUrl: 'sqlite::memory:',
      masterKey: randomBytes(32).toString('base64'),
      rateLimit: {
        routes: [
          { name: 'orders', method: 'GET', url: '/api/orders', limit, window: 60, key: ['user'] },
        ],
      },
    },
  });
  url = service.url;
  const system = { kind: 'system' } as const;
  await service.rampart.accounts.createAccount({ ...admin, roles: ['ADMIN'] }, system);
  const created = await service.rampart.accounts.createAccount(
    { ...clerk, roles: ['VIEWER'] },
    system,
  );
  clerkId = created.id;
  adminToken = await login(admin);
  clerkToken = await login(clerk);
}, 60_000);

afterAll(async () => {
  await service?.rampart.close();
});

describe('a Fastify application embedded in Rampart (examples/orders-service.mjs)', () => {
  it('refuses an anonymous caller and a caller without the permission, and writes nothing', async () => {
    const anonymous = await call('GET', '/api/orders');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers.get('x-content-type-options')).toBe('nosniff');

    const refused = await call('POST', '/api/orders', clerkToken, { amount: 100 });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('permission_denied');

    const list = await call('GET', '/api/orders', clerkToken);
    expect(list.status).toBe(200);
    expect(list.json).toEqual({ items: [] });
    // Rampart's protections run on the application's route too.
    expect(list.headers.get('ratelimit-policy')).toContain(`q=${limit}`);
    expect(list.headers.get('x-request-id')).toBeTruthy();
  });

  it('lets a custom role granted through the API write at once, once per Idempotency-Key', async () => {
    // Over HTTP a role change is a sensitive operation: it needs a recent MFA sign-in.
    const overHttp = await call('PUT', '/v1/authz/roles/clerk', adminToken, {
      inherits: ['VIEWER'],
      permissions: ['orders:write'],
    });
    expect(overHttp.status).toBe(401);
    expect(overHttp.json.code).toBe('step_up_required');
    // The embedding application sets its roles up through the same policy service.
    const { policy } = service.rampart.authz;
    const system = { kind: 'system' } as const;
    await policy.putRole(
      {
        name: 'clerk',
        description: 'Takes orders',
        inherits: ['VIEWER'],
        permissions: ['orders:write'],
      },
      system,
      {},
    );
    await policy.setAssignments(clerkId, ['clerk'], system, {});

    const key = { 'idempotency-key': 'order-2026-11-29-1' };
    const first = await call('POST', '/api/orders', clerkToken, { amount: 100 }, key);
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ owner: clerkId, amount: 100 });
    const retry = await call('POST', '/api/orders', clerkToken, { amount: 100 }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.json).toEqual(first.json);
    const other = await call('POST', '/api/orders', clerkToken, { amount: 999 }, key);
    expect(other.status).toBe(422);

    // The application's schema refuses bad input as a problem, before the handler runs.
    for (const bad of [{ amount: 1, owner: 'someone-else' }, { amount: 'lots' }, '{"amount":']) {
      const res = await call('POST', '/api/orders', clerkToken, bad);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const list = await call('GET', '/api/orders', clerkToken);
    expect(list.json.items).toEqual([first.json]);
  });

  it("gives an API key what its scopes allow, on its owner's data", async () => {
    const issued = await call('POST', '/v1/api-keys', clerkToken, {
      name: 'orders reader',
      scopes: ['orders:read'],
    });
    expect(issued.status, issued.text).toBe(201);
    const apiKey = issued.json.key as string;

    const list = await call('GET', '/api/orders', apiKey);
    expect(list.status, list.text).toBe(200);
    expect(list.json.items).toHaveLength(1);
    expect(list.json.items[0].owner).toBe(clerkId);

    // The owner may write; the key's scopes do not say so.
    const write = await call('POST', '/api/orders', apiKey, { amount: 5 });
    expect(write.status).toBe(403);
  });

  it('holds each caller to the route table limit of the config', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < limit + 2; i++)
      statuses.push((await call('GET', '/api/orders', adminToken)).status);
    expect(statuses).toEqual([...Array(limit).fill(200), 429, 429]);
    const refused = await call('GET', '/api/orders', adminToken);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.json.code).toBe('quota_exceeded');
  });
});
