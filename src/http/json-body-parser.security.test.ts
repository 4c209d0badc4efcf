/**
 * Attack: prototype pollution through a JSON body. `JSON.parse` creates an own
 * `__proto__` property; any later merge (`Object.assign`, spread into defaults, a deep
 * merge) may copy it onto a prototype and give every object in the process an attacker's
 * property, such as `roles: ['ADMIN']` or `isAdmin: true`. A `constructor.prototype`
 * path does the same. The key may also be spelled with a JSON escape (`\u005f_proto__`)
 * to slip past a text search. Rampart refuses such bodies outright with
 * `forbidden_json_key`, before validation and before any handler runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, postRaw } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

describe('prototype pollution through JSON bodies', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  const password = 'correct horse battery staple 9f2c';
  // Each member is placed beside a valid email and password in an otherwise good body.
  const cases: [string, string][] = [
    ['a top-level __proto__ key', `"__proto__":{"roles":["ADMIN"]}`],
    ['a nested __proto__ key', `"name":{"__proto__":{"isAdmin":true}}`],
    ['a \\u005f_proto__ escaped key', `"\\u005f_proto__":{"roles":["ADMIN"]}`],
    ['a fully escaped __proto__ key', `"\\u005f\\u005f\\u0070roto__":{"roles":["ADMIN"]}`],
    ['a constructor.prototype path', `"constructor":{"prototype":{"roles":["ADMIN"]}}`],
    ['an escaped constructor key', `"\\u0063onstructor":{"prototype":{"isAdmin":true}}`],
    ['a key inside an array element', `"name":[{"__proto__":{"isAdmin":true}}]`],
  ];

  for (const [index, [label, member]] of cases.entries()) {
    it(`refuses ${label} with forbidden_json_key and creates no account`, async () => {
      const email = `pollute-${index}@example.com`;
      const text = `{${member},"email":"${email}","password":"${password}"}`;
      const res = await postRaw(r, '/v1/auth/register', text);
      expectProblem(res, 400, 'forbidden_json_key');
      expect(await r.stores.accounts.findAccountByEmail(email)).toBeUndefined();
      const probe: Record<string, unknown> = {};
      expect(probe.roles).toBeUndefined();
      expect(probe.isAdmin).toBeUndefined();
    });
  }

  it('refuses the key on a login too, before any credential check', async () => {
    const res = await postRaw(
      r,
      '/v1/auth/login',
      `{"email":"x@example.com","password":"${password}","__proto__":{}}`,
    );
    expectProblem(res, 400, 'forbidden_json_key');
  });

  it('accepts the same words as string values', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'words@example.com', password, name: '__proto__ constructor prototype' },
    });
    expect(res.statusCode, res.body).toBe(201);
  });
});
