import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { registerUser } from '../../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

interface Metadata {
  issuer: string;
  jwks_uri: string;
  access_token_signing_alg_values_supported: string[];
}

describe('RFC 8414 authorization server metadata', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { publicUrl: 'https://rampart.example.com' } });
  });
  afterAll(async () => r?.close());

  it('names the issuer, the JWKS address and the signing algorithm', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<Metadata>()).toMatchObject({
      issuer: 'https://rampart.example.com',
      jwks_uri: 'https://rampart.example.com/.well-known/jwks.json',
      access_token_signing_alg_values_supported: ['EdDSA'],
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('issues tokens whose iss and aud match the published issuer', async () => {
    const { token } = await registerUser(r, 'claims@example.com');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.iss).toBe('https://rampart.example.com');
    expect(claims.aud).toBe('https://rampart.example.com');
  });
});

// A client that knows nothing of Rampart's code: it discovers the metadata over real
// HTTP, fetches the JWKS the metadata names and verifies a token with jose.
for (const algorithm of ['EdDSA', 'ES256', 'RS256'] as const) {
  describe(`an independent client verifying ${algorithm} tokens`, () => {
    let r: TestRampart;
    let base: string;
    beforeAll(async () => {
      const port = await freePort();
      r = await startTestRampart({
        overrides: { port, publicUrl: `http://127.0.0.1:${port}`, jwt: { algorithm } },
      });
      base = await r.listen();
    });
    afterAll(async () => r?.close());

    it('logs in over HTTP and verifies the token against the published JWKS', async () => {
      const email = `${algorithm.toLowerCase()}@example.com`;
      const password = strongPassword();
      const reg = await fetch(`${base}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(reg.status).toBe(201);
      const loginRes = await fetch(`${base}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(loginRes.status).toBe(200);
      const { access_token: token } = (await loginRes.json()) as { access_token: string };

      const metadata = (await (
        await fetch(`${base}/.well-known/oauth-authorization-server`)
      ).json()) as Metadata;
      expect(metadata.access_token_signing_alg_values_supported).toEqual([algorithm]);
      const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: metadata.issuer,
        audience: metadata.issuer,
        algorithms: [algorithm],
        typ: 'at+jwt',
      });
      expect(protectedHeader.alg).toBe(algorithm);
      expect(protectedHeader.kid).toBe(decodeProtectedHeader(token).kid);
      expect(payload.sub).toEqual(expect.any(String));
      expect(payload.roles).toEqual([]);
      expect(payload.exp).toBeGreaterThan(Date.now() / 1000);

      // The same client refuses the token for another audience.
      await expect(
        jwtVerify(token, jwks, { issuer: metadata.issuer, audience: 'https://other.example.com' }),
      ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    });
  });
}
