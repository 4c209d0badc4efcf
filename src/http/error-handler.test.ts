import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectProblem, registerUser } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { errorRegistry } from '../errors/registry.js';

const sqlMessage =
  'SQLITE_CORRUPT: database disk image is malformed in "select * from accounts where email = \'victim@example.com\'"';

describe('internal errors', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
    await registerUser(r, 'victim@example.com');
  });
  afterAll(async () => r?.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers a throwing store with a generic 500 internal_error and logs the real error', async () => {
    vi.spyOn(r.stores.accounts, 'findAccountByEmail').mockRejectedValue(new Error(sqlMessage));
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'victim@example.com', password: 'whatever it is today' },
    });
    const body = expectProblem(res, 500, 'internal_error');
    expect(Object.keys(body).sort()).toEqual(
      ['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type'].sort(),
    );
    expect(res.body).not.toContain('SQLITE');
    expect(res.body).not.toContain('select');
    expect(res.body).not.toContain('victim');
    expect(res.body).not.toContain('account-service');

    const failure = r.logs.find((l) => l.reqId === body.requestId && l.msg === 'request failed');
    expect(failure?.code).toBe('internal_error');
    const err = failure?.err as { message?: string; stack?: string } | undefined;
    expect(err?.message).toBe(sqlMessage);
    expect(err?.stack).toMatch(/^Error: SQLITE_CORRUPT[^\n]*\n\s+at /);
  });

  it('answers a synchronous throw inside a handler the same way', async () => {
    vi.spyOn(r.accounts, 'register').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'passwordHash')");
    });
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'sync@example.com', password: 'correct horse battery staple' },
    });
    expectProblem(res, 500, 'internal_error');
    expect(res.body).not.toContain('passwordHash');
  });
});

describe('a closed database', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('turns into a generic 5xx problem with no driver message', async () => {
    await r.database.close();
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'anyone@example.com', password: 'correct horse battery staple' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    const body = expectProblem(res, res.statusCode, String(res.json().code));
    expect(['internal_error', 'storage_unavailable']).toContain(body.code);
    expect(res.body).not.toMatch(/destroyed|kysely|driver/i);
    expect(r.logText()).toMatch(/destroyed/);
  });
});

describe('unknown paths and methods', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('answers an unknown path with 404 not_found and its path, without the query', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/nothing-here?token=abc' });
    const body = expectProblem(res, 404, 'not_found');
    expect(body.instance).toBe('/v1/nothing-here');
  });

  it('answers a known path with another method with 405 and an Allow header', async () => {
    const res = await r.app.inject({ method: 'PATCH', url: '/v1/me' });
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('DELETE, GET, HEAD');
  });

  it('answers 405 for a parametric path too', async () => {
    const res = await r.app.inject({ method: 'PATCH', url: '/v1/invites/0199-some-id' });
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('DELETE');
  });

  it('answers a HEAD on a GET route with the headers and no body', async () => {
    const res = await r.app.inject({ method: 'HEAD', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
    expect(res.body).toBe('');
  });

  it('documents every catalogue code at /problems/:code and 404s an unknown one', async () => {
    for (const def of errorRegistry.values()) {
      const res = await r.app.inject({ method: 'GET', url: `/problems/${def.code}` });
      expect(res.statusCode, def.code).toBe(200);
      expect(res.json()).toMatchObject({ code: def.code, status: def.status, title: def.title });
    }
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/problems/no_such_code' }),
      404,
      'not_found',
    );
  });
});

describe('unknown paths with CORS enabled', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { cors: { origins: ['https://app.example.com'] } } });
  });
  afterAll(async () => r?.close());

  // The CORS plugin answers preflights through an OPTIONS route on every path; that
  // catch-all must not make every unknown path look like an existing one (405).
  it('still answers an unknown path with 404, not 405', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expectProblem(res, 404, 'not_found');
    expect(res.headers.allow).toBeUndefined();
  });

  it('still answers 405 with the real methods of a known path', async () => {
    const res = await r.app.inject({ method: 'PUT', url: '/v1/auth/login' });
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('POST');
  });
});
