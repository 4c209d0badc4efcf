import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('generates a UUID when the client sends none', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-request-id']).toMatch(uuid);
  });

  it('echoes a sane incoming X-Request-Id in the header, the problem and the log line', async () => {
    const id = 'edge-proxy.01HZX3:7f3a/b+c=d@lb';
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/not-a-route',
      headers: { 'x-request-id': id },
    });
    expect(res.headers['x-request-id']).toBe(id);
    expect(expectProblem(res, 404, 'not_found').requestId).toBe(id);
    const line = r.logs.find((l) => l.reqId === id && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', status: 404 });
  });

  it('gives each request its own generated id', async () => {
    const a = await r.app.inject({ method: 'GET', url: '/health' });
    const b = await r.app.inject({ method: 'GET', url: '/health' });
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});
