import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, postRaw } from '../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../test/support/test-rampart.js';

const register = '/v1/auth/register';

describe('bad request bodies', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  async function expectNoAccount(email: string): Promise<void> {
    expect(await r.stores.accounts.findAccountByEmail(email)).toBeUndefined();
  }

  it('answers malformed JSON with 400 invalid_json and writes nothing', async () => {
    const res = await postRaw(r, register, '{"email":"broken@example.com","password":');
    expectProblem(res, 400, 'invalid_json');
    await expectNoAccount('broken@example.com');
  });

  it('answers an empty body declared as JSON with 400 invalid_json', async () => {
    expectProblem(await postRaw(r, register, ''), 400, 'invalid_json');
  });

  it('answers a missing body with validation_failed, not a crash', async () => {
    const res = await r.app.inject({ method: 'POST', url: register });
    expectProblem(res, 400, 'validation_failed');
  });

  it('answers a number where the email belongs with validation_failed naming /email', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: register,
      payload: { email: 42, password: strongPassword() },
    });
    const body = expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ in: 'body', path: '/email' })]);
  });

  it('lists each missing required field', async () => {
    const res = await r.app.inject({ method: 'POST', url: register, payload: {} });
    const body = expectProblem(res, 400, 'validation_failed');
    const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['/email', '/password']);
  });

  it('refuses an unknown field, names it, and creates no account', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: register,
      payload: { email: 'extra@example.com', password: strongPassword(), roles: ['ADMIN'] },
    });
    const body = expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([{ in: 'body', path: '/roles', message: expect.any(String) }]);
    await expectNoAccount('extra@example.com');
  });

  it('answers a non-JSON content type with 415 unsupported_media_type', async () => {
    const form = await postRaw(
      r,
      register,
      'email=form%40example.com&password=x',
      'application/x-www-form-urlencoded',
    );
    expectProblem(form, 415, 'unsupported_media_type');
    expectProblem(await postRaw(r, register, 'hello', 'text/plain'), 415, 'unsupported_media_type');
    await expectNoAccount('form@example.com');
  });

  it('answers a 2 MiB body with 413 payload_too_large before parsing it', async () => {
    const payload = JSON.stringify({
      email: 'huge@example.com',
      password: 'x'.repeat(2 * 1024 * 1024),
    });
    expectProblem(await postRaw(r, register, payload), 413, 'payload_too_large');
    await expectNoAccount('huge@example.com');
  });

  it('treats SQL and markup in the email and name as data', async () => {
    const email = "o'brien+x--@example.com";
    const name = `Robert'); DROP TABLE accounts;-- <script>alert(1)</script>`;
    const res = await r.app.inject({
      method: 'POST',
      url: register,
      payload: { email, password: strongPassword(), name },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ email, name });
    const stored = await r.stores.accounts.findAccountByEmail(email);
    expect(stored?.name).toBe(name);
    // The table is still there: another registration works.
    const next = await r.app.inject({
      method: 'POST',
      url: register,
      payload: { email: 'after@example.com', password: strongPassword() },
    });
    expect(next.statusCode).toBe(201);
  });

  it('answers an email full of injection syntax with validation_failed, never 500', async () => {
    for (const email of ["' OR 1=1 --", 'a@b.c" OR "1"="1', `\${jndi:ldap://x}`]) {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: strongPassword() },
      });
      const body = expectProblem(res, 400, 'validation_failed');
      expect(body.errors).toEqual([expect.objectContaining({ path: '/email' })]);
    }
  });
});

describe('a raised body limit', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { http: { bodyLimit: 4 * 1024 * 1024 } } });
  });
  afterAll(async () => r?.close());

  it('lets a 2 MiB body through to schema validation', async () => {
    const payload = JSON.stringify({
      email: 'huge@example.com',
      password: 'x'.repeat(2 * 1024 * 1024),
    });
    const body = expectProblem(await postRaw(r, register, payload), 400, 'validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ path: '/password' })]);
    expect(await r.stores.accounts.findAccountByEmail('huge@example.com')).toBeUndefined();
  });
});
