/**
 * Attack: harvesting credentials from logs. Logs travel further than the database:
 * shipped to aggregators, read by support staff, kept for months. A password from a
 * login body, a bearer token from an Authorization header, an API key from X-API-Key or
 * a token someone put in a query string (?token=…) would let anyone with log access act
 * as the user. None of them may appear in any log line, whatever the outcome of the
 * request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, registerUser, type TestUser } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

describe('credentials never reach the logs', () => {
  let r: TestRampart;
  let user: TestUser;
  const querySecret = 'qs-secret-5c1e9a77d2';
  const apiKey = 'rmpk_live_7f00ee1d2b9c4a35';
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { log: { level: 'trace' } } });
    user = await registerUser(r, 'logged@example.com');
  });
  afterAll(async () => r?.close());

  it('keeps the password of a successful and a failed login out of every line', async () => {
    const wrong = `${user.password}-but-wrong`;
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email, password: wrong },
    });
    expectProblem(res, 401, 'invalid_credentials');
    expect(r.logText()).not.toContain(user.password);
    expect(r.logText()).not.toContain('but-wrong');
  });

  it('keeps a bearer token, a query secret and an API key out of every line', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: `/v1/me?token=${querySecret}&access_token=${querySecret}&view=full`,
      headers: { authorization: `Bearer ${user.token}`, 'x-api-key': apiKey },
    });
    // Two credentials at once are refused (which one would count?), and logged clean.
    expectProblem(res, 400, 'ambiguous_credentials');
    const text = r.logText();
    expect(text).not.toContain(user.token);
    // Not even the signature part alone.
    expect(text).not.toContain(user.token.split('.')[2]);
    expect(text).not.toContain(querySecret);
    expect(text).not.toContain(apiKey);

    const line = r.logs.find((l) => l.reqId === res.headers['x-request-id'] && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', route: '/v1/me', status: 400 });
    expect(typeof line?.ms).toBe('number');
    expect(line?.url).toBe('/v1/me?token=[redacted]&access_token=[redacted]&view=full');
  });

  it('keeps a rejected token out of the logs as well', async () => {
    const forged = `${user.token.slice(0, -4)}AAAA`;
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${forged}` },
    });
    expectProblem(res, 401, 'invalid_token');
    expect(r.logText()).not.toContain(forged);
  });

  it('keeps a query secret out of the line of a 404', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: `/v1/unknown?password=${querySecret}`,
    });
    expectProblem(res, 404, 'not_found');
    expect(r.logText()).not.toContain(querySecret);
  });
});
