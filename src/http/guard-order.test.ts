import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
} from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

describe('a caller who may not use a route is refused before its input is judged', () => {
  let r: TestRampart;
  let viewer: string;
  let admin: string;
  beforeAll(async () => {
    r = await startTestRampart();
    const v = await createUser(r, 'order-viewer@example.com', ['VIEWER']);
    viewer = await login(r, v.email, v.password);
    admin = (await createAdmin(r, 'order-admin@example.com')).token;
  });
  afterAll(async () => r?.close());

  const invalid = (headers: Record<string, string>) =>
    r.app.inject({
      method: 'POST',
      url: '/v1/admin/ip-rules',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: { cidr: 12, unexpected: true },
    });

  it('answers 401 to an anonymous caller and 403 to one without the permission, never the schema errors', async () => {
    const anonymous = expectProblem(await invalid({}), 401, 'authentication_required');
    expect(anonymous).not.toHaveProperty('errors');
    const forbidden = expectProblem(await invalid(bearer(viewer)), 403, 'permission_denied');
    expect(forbidden).not.toHaveProperty('errors');
    // The same body from someone allowed is judged by the schema.
    const judged = expectProblem(await invalid(bearer(admin)), 400, 'validation_failed');
    expect(judged.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/unexpected' })]),
    );
  });

  it('judges path parameters and queries only for callers who may use the route', async () => {
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/admin/accounts?limit=abc' }),
      401,
      'authentication_required',
    );
    expectProblem(
      await r.app.inject({
        method: 'GET',
        url: '/v1/admin/accounts?limit=abc',
        headers: bearer(viewer),
      }),
      403,
      'permission_denied',
    );
    expectProblem(
      await r.app.inject({
        method: 'GET',
        url: '/v1/admin/accounts?limit=abc',
        headers: bearer(admin),
      }),
      400,
      'validation_failed',
    );
  });

  it('keeps a self-service route working end to end (the guard still sets the principal)', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(viewer) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: 'order-viewer@example.com' });
  });
});
