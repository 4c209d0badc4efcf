/**
 * Attacks on the metrics endpoint:
 * - series explosion: a client sends thousands of distinct paths, ids and query strings
 *   (or made-up methods) so that each becomes a label value, growing memory without
 *   bound and drowning the Prometheus server;
 * - secrets in URLs: a token sent in a path or query string must never be copied into a
 *   label that anyone with scrape access can read;
 * - reading the metrics without the scrape token (or guessing it by its prefix).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

const token = 'scrape-token-security-0123456789';

describe('metrics endpoint security', () => {
  let rampart: TestRampart;
  const scrape = async () =>
    (
      await rampart.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${token}` },
      })
    ).body;
  const seriesOf = (text: string, name: string) =>
    text.split('\n').filter((line) => line.startsWith(`${name}{`)).length;

  beforeAll(async () => {
    rampart = await startTestRampart({ overrides: { metrics: { token } } });
  });
  afterAll(async () => {
    await rampart.close();
  });

  it('keeps the number of request series bounded whatever paths and queries clients send', async () => {
    for (let i = 0; i < 200; i++) {
      await rampart.app.inject({ method: 'GET', url: `/random/${i}/path?q=${i}` });
      await rampart.app.inject({ method: 'GET', url: `/problems/code_${i}?page=${i}` });
    }
    const text = await scrape();
    expect(seriesOf(text, 'rampart_http_requests_total')).toBeLessThan(10);
    expect(text).not.toContain('/random/');
    expect(text).not.toContain('code_1');
  });

  it('never copies a secret sent in a path or query string into a label', async () => {
    const secret = 'leaked-credential-value-42';
    await rampart.app.inject({ method: 'GET', url: `/problems/${secret}?access_token=${secret}` });
    await rampart.app.inject({ method: 'GET', url: `/v1/no-such/${secret}` });
    expect(await scrape()).not.toContain(secret);
  });

  it('refuses a token that is only a prefix or a case variant of the real one', async () => {
    for (const presented of [token.slice(0, -1), token.toUpperCase(), `${token}x`]) {
      const res = await rampart.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${presented}` },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json<{ code: string }>().code).toBe('metrics_unauthorized');
    }
  });
});
