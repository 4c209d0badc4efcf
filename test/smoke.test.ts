import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, strongPassword, type TestRampart } from './support/test-rampart.js';

describe('smoke', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('registers, logs in and reads /v1/me', async () => {
    const password = strongPassword();
    const reg = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'Ada@Example.com', password },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const login = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'ada@example.com', password },
    });
    expect(login.statusCode, login.body).toBe(200);
    const token = login.json().access_token;
    const me = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().email).toBe('ada@example.com');
  });
});
