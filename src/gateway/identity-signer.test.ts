import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiKeyPrincipal, Principal, UserPrincipal } from '../identity/principal.js';
import { type GatewayIdentity, identityMac, signIdentity } from './identity-signature.js';
import { IdentitySigner } from './identity-signer.js';
import { verifyGatewayIdentity } from './verify-identity.js';

const user: UserPrincipal = {
  kind: 'user',
  id: 'usr_01',
  roles: ['DEVELOPER', 'VIEWER'],
  tokenId: 'jti',
  tokenExpiresAt: 2_000_000_000,
  amr: ['pwd'],
  authTime: undefined,
  sessionId: undefined,
};

const apiKey: ApiKeyPrincipal = {
  kind: 'api_key',
  id: 'svc_01',
  ownerKind: 'service_account',
  keyId: 'key_01',
  roles: ['VIEWER'],
  scopes: ['orders:read', 'orders:write'],
  ownerPermissions: [],
  signed: false,
};

/** The flat [name, value, …] list as a header object. */
function asObject(flat: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) headers[flat[i] as string] = flat[i + 1] as string;
  return headers;
}

describe('IdentitySigner', () => {
  it('computes HMAC-SHA256 exactly as node:crypto does, for short, block-sized and long keys', () => {
    const texts = [
      '',
      'rampart-identity/v1\n1\nGET\n/\nanonymous\n\n\n\nreq',
      'ünïcödé ✓ 🔑 /pfad?q=ä',
      'x'.repeat(2730),
      // Past the reused buffer: signed through an Hmac object instead.
      'y'.repeat(2731),
      '€'.repeat(5000),
    ];
    for (const secret of [
      's'.repeat(32),
      'k'.repeat(64),
      'long-secret-'.repeat(10),
      'ключ'.repeat(20),
    ]) {
      const signer = new IdentitySigner(secret);
      for (const text of texts) {
        const expected = createHmac('sha256', secret).update(text, 'utf8').digest('base64url');
        expect(signer.mac(text)).toBe(expected);
        expect(signer.mac(text)).toBe(identityMac(secret, text));
      }
    }
  });

  it('writes the same headers as signIdentity, which the upstream helper verifies', () => {
    const secret = 'gateway-identity-secret-for-tests-0123456789';
    const signer = new IdentitySigner(secret);
    const cases: { principal: Principal | null; identity: Omit<GatewayIdentity, 'requestId'> }[] = [
      {
        principal: user,
        identity: { kind: 'user', id: 'usr_01', keyId: '', roles: user.roles, scopes: [] },
      },
      {
        principal: apiKey,
        identity: {
          kind: 'api_key',
          id: 'svc_01',
          keyId: 'key_01',
          roles: apiKey.roles,
          scopes: apiKey.scopes,
        },
      },
      {
        principal: null,
        identity: { kind: 'anonymous', id: '', keyId: '', roles: [], scopes: [] },
      },
    ];
    for (const { principal, identity } of cases) {
      const flat: string[] = ['accept', 'application/json'];
      signer.sign(principal, 'req-7', 'get', '/base/orders?x=1', 1_700_000_000, flat);
      const headers = asObject(flat);
      const expected = signIdentity(
        secret,
        { ...identity, requestId: 'req-7' },
        'GET',
        '/base/orders?x=1',
        1_700_000_000,
        { accept: 'application/json' },
      );
      expect(headers).toEqual(expected);
      const verified = verifyGatewayIdentity(
        { method: 'GET', url: '/base/orders?x=1', headers },
        { secret, now: 1_700_000_010 },
      );
      expect(verified).toEqual({
        ok: true,
        identity: {
          ...identity,
          roles: [...identity.roles],
          scopes: [...identity.scopes],
          requestId: 'req-7',
        },
      });
      // Bound to the request line: the same headers on another path do not verify.
      expect(
        verifyGatewayIdentity(
          { method: 'GET', url: '/base/admin', headers },
          { secret, now: 1_700_000_010 },
        ),
      ).toEqual({ ok: false, reason: 'invalid' });
    }
  });
});
