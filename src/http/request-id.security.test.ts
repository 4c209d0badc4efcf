/**
 * Attack: log and header injection through X-Request-Id. The request id is copied into
 * every log line, every problem document and the X-Request-Id response header. A client
 * that controls it could forge log entries (a newline followed by a fake JSON line),
 * break out of a quoted field, smuggle markup into a dashboard that shows ids, or bloat
 * every log line with kilobytes of junk. Rampart honours an incoming id only when it is
 * short and made of safe characters; anything else is replaced by a generated UUID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('hostile X-Request-Id values', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  const hostile: [string, string][] = [
    ['one that is too long', 'a'.repeat(129)],
    ['one with spaces', 'abc def'],
    ['one with quotes', 'abc"},"level":60,"msg":"forged'],
    ['one with markup', '<script>alert(1)</script>'],
    ['one with a tab', 'abc\tdef'],
    ['one with non-ASCII letters', 'idé-123'],
  ];

  for (const [label, value] of hostile) {
    it(`replaces ${label} with a generated id everywhere`, async () => {
      const res = await r.app.inject({
        method: 'GET',
        url: '/v1/not-a-route',
        headers: { 'x-request-id': value },
      });
      const id = res.headers['x-request-id'];
      expect(id).toMatch(uuid);
      expect(expectProblem(res, 404, 'not_found').requestId).toBe(id);
      expect(r.logs.some((l) => l.reqId === id && l.msg === 'request')).toBe(true);
      expect(r.logText()).not.toContain(value);
    });
  }

  it('accepts an id of exactly 128 safe characters', async () => {
    const id = 'b'.repeat(128);
    const res = await r.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': id },
    });
    expect(res.headers['x-request-id']).toBe(id);
  });
});
