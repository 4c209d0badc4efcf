import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  login,
  registerUser,
  type TestUser,
} from '../support/http-helpers.js';
import { startTestRampart, strongPassword, type TestRampart } from '../support/test-rampart.js';

const backends = [
  { database: 'sqlite', hot: 'memory', skip: false },
  {
    database: 'postgres',
    hot: 'redis',
    skip: !process.env.RAMPART_TEST_DATABASE_URL || !process.env.RAMPART_TEST_REDIS_URL,
  },
] as const;

for (const backend of backends) {
  describe.skipIf(backend.skip)(`core flows on ${backend.database} + ${backend.hot}`, () => {
    let r: TestRampart;
    let admin: TestUser;
    let flowPassword: string;
    beforeAll(async () => {
      // Without step-up on key rotation (covered in src/authz): these flows use passwords.
      r = await startTestRampart({
        database: backend.database,
        hot: backend.hot,
        overrides: { authz: { stepUp: { routes: [] } } },
      });
      admin = await createAdmin(r);
    });
    afterAll(async () => r?.close());

    it('reports ready with the configured stores', async () => {
      const res = await r.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode, res.body).toBe(200);
      const checks = res.json().checks;
      expect(checks['database:responseTime'][0]).toMatchObject({
        componentId: backend.database,
        status: 'pass',
      });
      expect(checks['database:migrations'][0]).toMatchObject({ observedValue: 0, status: 'pass' });
      expect(checks['hotstore:responseTime'][0]).toMatchObject({
        componentId: backend.hot,
        status: 'pass',
      });
      expect(checks['signing:keys'][0].status).toBe('pass');
    });

    it('registers, logs in and reads /v1/me', async () => {
      const user = await registerUser(r, 'Flow@Example.com');
      flowPassword = user.password;
      const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json().email).toBe('flow@example.com');
    });

    it('refuses a duplicate email in another case with account_exists', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'FLOW@example.com', password: strongPassword() },
      });
      expectProblem(res, 409, 'account_exists');
    });

    it('answers a wrong password with invalid_credentials', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'flow@example.com', password: strongPassword() },
      });
      expectProblem(res, 401, 'invalid_credentials');
    });

    it('spends an invite exactly once under concurrent registrations', async () => {
      const created = await r.app.inject({
        method: 'POST',
        url: '/v1/invites',
        headers: bearer(admin.token),
        payload: { roles: ['VIEWER'] },
      });
      expect(created.statusCode, created.body).toBe(201);
      const token = created.json().token as string;
      const attempts = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          r.app.inject({
            method: 'POST',
            url: '/v1/auth/register',
            payload: {
              email: `race${i}@example.com`,
              password: strongPassword(),
              invite_token: token,
            },
          }),
        ),
      );
      const statuses = attempts.map((a) => a.statusCode).sort();
      expect(statuses).toEqual([201, 403, 403, 403]);
      for (const a of attempts.filter((x) => x.statusCode === 403))
        expect(a.json().code).toBe('invite_invalid');
    });

    it('rotates the signing key and keeps earlier tokens valid', async () => {
      const user = await login(r, 'flow@example.com', flowPassword);
      const rotated = await r.app.inject({
        method: 'POST',
        url: '/v1/admin/signing-keys/rotate',
        headers: bearer(admin.token),
      });
      expect(rotated.statusCode, rotated.body).toBe(200);
      const old = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user) });
      expect(old.statusCode).toBe(200);
      const fresh = await login(r, 'flow@example.com', flowPassword);
      const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(fresh) });
      expect(me.statusCode).toBe(200);
    });

    it('reports not ready with 503 once the database is gone', async () => {
      await r.database.close();
      const res = await r.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().status).toBe('fail');
      expect(res.json().checks['database:responseTime'][0].status).toBe('fail');
    });
  });
}
