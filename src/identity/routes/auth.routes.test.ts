import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, login } from '../../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

function registerRequest(payload: Record<string, unknown>) {
  return { method: 'POST' as const, url: '/v1/auth/register', payload };
}

describe('registration and login over HTTP', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('registers with 201 and answers only the public account fields', async () => {
    const res = await r.app.inject(
      registerRequest({ email: 'first@example.com', password: strongPassword(), name: ' Ada ' }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      ['created_at', 'email', 'id', 'name', 'roles', 'status', 'updated_at'].sort(),
    );
    expect(body).toMatchObject({ email: 'first@example.com', name: 'Ada', roles: [] });
    expect(res.body).not.toMatch(/argon2|password/i);
  });

  it('refuses an email whose domain has no dot with validation_failed', async () => {
    const res = await r.app.inject(registerRequest({ email: 'a@b', password: strongPassword() }));
    const body = expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ path: '/email' })]);
  });

  it('stores the email lower-cased and trimmed of nothing else', async () => {
    const res = await r.app.inject(
      registerRequest({ email: 'Grace.Hopper@Example.COM', password: strongPassword() }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().email).toBe('grace.hopper@example.com');
  });

  it('refuses a second account whose email differs only in case with 409 account_exists', async () => {
    const password = strongPassword();
    expect(
      (await r.app.inject(registerRequest({ email: 'dup@example.com', password }))).statusCode,
    ).toBe(201);
    for (const email of ['dup@example.com', 'DUP@example.com', 'Dup@Example.Com']) {
      const res = await r.app.inject(registerRequest({ email, password: strongPassword() }));
      expectProblem(res, 409, 'account_exists');
    }
    // The first password still works: the refused attempts changed nothing.
    await login(r, 'dup@example.com', password);
  });

  it('logs in with any casing of the email', async () => {
    const password = strongPassword();
    await r.app.inject(registerRequest({ email: 'case@example.com', password }));
    await login(r, 'CASE@Example.com', password);
  });

  it('answers a login with a Bearer token response that must not be cached', async () => {
    const password = strongPassword();
    await r.app.inject(registerRequest({ email: 'token@example.com', password }));
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'token@example.com', password },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'session_id',
      'token_type',
    ]);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(r.config.jwt.accessTokenTtl);
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  });

  const policy: [string, string, string, string[]][] = [
    ['too short', 'short@example.com', 'Tr0ub4dor&3', ['password_too_short']],
    ['too long', 'long@example.com', 'x'.repeat(129), ['password_too_long']],
    ['common', 'common@example.com', 'password1234', ['password_common']],
    [
      'containing the email',
      'margaret.h@example.com',
      'margaret.h likes long walks',
      ['password_contains_email'],
    ],
    [
      'short and common',
      'both@example.com',
      'qwertyuiop',
      ['password_too_short', 'password_common'],
    ],
  ];
  for (const [label, email, password, violations] of policy) {
    it(`refuses a password ${label} with 422 ${violations[0]} and lists every violation`, async () => {
      const res = await r.app.inject(registerRequest({ email, password }));
      const body = expectProblem(res, 422, violations[0] ?? '');
      expect(body.violations).toEqual(violations);
      expect(res.body).not.toContain(password);
      expect(await r.stores.accounts.findAccountByEmail(email)).toBeUndefined();
    });
  }

  it('counts a password in code points, so 12 emoji pass the length rule', async () => {
    const res = await r.app.inject(
      registerRequest({ email: 'emoji@example.com', password: '🔐🦄🌋🎻🧭🪐🧊🦉🍄🛶🪁🧩' }),
    );
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe('registration closed', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { registration: { mode: 'closed' } } });
  });
  afterAll(async () => r?.close());

  it('refuses self-service registration with 403 registration_closed and creates nothing', async () => {
    const res = await r.app.inject(
      registerRequest({ email: 'closed@example.com', password: strongPassword() }),
    );
    expectProblem(res, 403, 'registration_closed');
    expect(await r.stores.accounts.findAccountByEmail('closed@example.com')).toBeUndefined();
  });

  it('still lets accounts created by an operator log in', async () => {
    const password = strongPassword();
    await r.accounts.createAccount(
      { email: 'operator-made@example.com', password, roles: [] },
      { kind: 'system' },
    );
    await login(r, 'operator-made@example.com', password);
  });
});

describe('bootstrap of the first administrator', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { registration: { mode: 'closed' } } });
  });
  afterAll(async () => r?.close());

  function bootstrap(token: string, email: string, password = strongPassword()) {
    return r.app.inject({
      method: 'POST',
      url: '/v1/auth/bootstrap',
      payload: { token, email, password },
    });
  }

  it('refuses an unknown token with 403 bootstrap_unavailable', async () => {
    expectProblem(await bootstrap('rmpboot_nope', 'x@example.com'), 403, 'bootstrap_unavailable');
  });

  it('creates the first ADMIN once, then answers bootstrap_unavailable', async () => {
    const issued = await r.accounts.issueBootstrapToken();
    expect(issued).toBeDefined();
    const token = issued?.token ?? '';
    const password = strongPassword();
    const res = await bootstrap(token, 'Root@Example.com', password);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ email: 'root@example.com', roles: ['ADMIN'] });
    const adminToken = await login(r, 'root@example.com', password);
    const invites = await r.app.inject({
      method: 'GET',
      url: '/v1/invites?include_used=true',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(invites.statusCode).toBe(200);

    expectProblem(await bootstrap(token, 'second@example.com'), 403, 'bootstrap_unavailable');
    expect(await r.stores.accounts.findAccountByEmail('second@example.com')).toBeUndefined();
    // With an administrator in place, no new bootstrap token is issued at all.
    expect(await r.accounts.issueBootstrapToken()).toBeUndefined();
  });
});
