/**
 * Attack: cross-origin reads with the victim's credentials. A page on an attacker's
 * origin makes the victim's browser call Rampart. If Rampart reflected any Origin into
 * Access-Control-Allow-Origin (with credentials allowed), or accepted the opaque `null`
 * origin that sandboxed iframes and `data:` URLs send, the attacker's script could read
 * the responses: account data, tokens, invitations. Only exact allowlisted origins may
 * ever appear in Access-Control-Allow-Origin.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { registerCors } from './cors.js';

describe('CORS refuses origins outside the allowlist', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { cors: { origins: ['https://app.example.com'] } } });
  });
  afterAll(async () => r?.close());

  const outsiders = [
    'https://evil.example.com',
    'null',
    'https://app.example.com.evil.com',
    'https://evilapp.example.com',
    'http://app.example.com',
    'https://app.example.com:8443',
    'https://APP.example.com',
  ];

  for (const origin of outsiders) {
    it(`sends no Access-Control-Allow-Origin to ${origin}`, async () => {
      const res = await r.app.inject({ method: 'GET', url: '/v1/me', headers: { origin } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it(`does not approve a preflight from ${origin}`, async () => {
      const res = await r.app.inject({
        method: 'OPTIONS',
        url: '/v1/me',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  }

  it('never answers with a wildcard on credentialed routes', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { origin: 'https://app.example.com' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});

// Config refuses `*` with credentials; registerCors holds the line by itself too, so a
// config path that skipped the check could not make every origin a credentialed one.
describe('a wildcard origin never comes with credentials', () => {
  it('drops credentials when the origins are *, whatever allowCredentials says', async () => {
    const app = Fastify();
    await registerCors(app, { origins: ['*'], allowCredentials: true });
    app.get('/x', async () => ({ ok: true }));
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/x',
        headers: { origin: 'https://evil.example.com' },
      });
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/x',
        headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
