import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { newRequestId } from './request-id.js';

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

  it('makes version 4 UUIDs from fresh randomness, none repeated across batches', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(uuid);
    expect(new Set(ids).size).toBe(ids.length);
    // 122 random bits each: every hex digit outside the fixed nibbles takes many values.
    const digits = ids.map((id) => id.replaceAll('-', ''));
    for (const position of [0, 7, 13, 17, 31]) {
      expect(new Set(digits.map((d) => d[position])).size).toBeGreaterThan(12);
    }
    expect(new Set(digits.map((d) => d[12]))).toEqual(new Set(['4']));
    expect(new Set(digits.map((d) => d[16]))).toEqual(new Set(['8', '9', 'a', 'b']));
  });
});
