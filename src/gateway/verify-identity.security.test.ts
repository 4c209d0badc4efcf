/*
 * The upstream's side of the trust boundary. Someone between the gateway and the upstream
 * (or a client reaching the upstream directly) holds one set of identity headers the gateway
 * signed and tries to make it say more: replay it later or ahead of time, run it as another
 * method, or add a header the gateway did not sign, repeated or new. verifyGatewayIdentity
 * must refuse each, at the exact edge of its age window.
 */
import { describe, expect, it } from 'vitest';
import { type GatewayIdentity, signIdentity } from './identity-signature.js';
import { verifyGatewayIdentity } from './verify-identity.js';

const secret = 'gateway-identity-secret-for-tests-0123456789';
const signedAt = 1_700_000_000;
const identity: GatewayIdentity = {
  kind: 'user',
  id: 'usr_01',
  keyId: '',
  roles: ['VIEWER'],
  scopes: [],
  requestId: 'req-1',
};

function signed(
  method = 'GET',
  url = '/base/orders/1',
): {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
} {
  return { method, url, headers: signIdentity(secret, identity, method, url, signedAt) };
}

describe('verifyGatewayIdentity', () => {
  it('accepts a signature exactly maxAgeSeconds old or ahead, and refuses one second more', () => {
    const request = signed();
    for (const now of [signedAt - 60, signedAt, signedAt + 60]) {
      expect(verifyGatewayIdentity(request, { secret, now }).ok).toBe(true);
    }
    for (const now of [signedAt - 61, signedAt + 61]) {
      expect(verifyGatewayIdentity(request, { secret, now })).toEqual({
        ok: false,
        reason: 'expired',
      });
    }
    // A configured window holds at its own edge.
    expect(verifyGatewayIdentity(request, { secret, now: signedAt + 5, maxAgeSeconds: 5 }).ok).toBe(
      true,
    );
    expect(verifyGatewayIdentity(request, { secret, now: signedAt + 6, maxAgeSeconds: 5 })).toEqual(
      { ok: false, reason: 'expired' },
    );
  });

  it('refuses a signature dated in the future beyond the window (captured headers stay valid no longer)', () => {
    // Headers signed an hour ahead (a gateway with a fast clock, or a forged timestamp)
    // would otherwise be replayable for that whole hour.
    const ahead = signIdentity(secret, identity, 'GET', '/base/orders/1', signedAt + 3600);
    expect(
      verifyGatewayIdentity(
        { method: 'GET', url: '/base/orders/1', headers: ahead },
        { secret, now: signedAt },
      ),
    ).toEqual({ ok: false, reason: 'expired' });
  });

  it('binds the method: headers signed for a GET do not verify on a DELETE', () => {
    const request = signed('GET');
    expect(
      verifyGatewayIdentity({ ...request, method: 'DELETE' }, { secret, now: signedAt }),
    ).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses an identity header repeated on the way, rather than pick one', () => {
    const request = signed();
    const repeated = {
      ...request,
      headers: { ...request.headers, 'x-rampart-roles': ['VIEWER', 'ADMIN'] },
    };
    expect(verifyGatewayIdentity(repeated, { secret, now: signedAt })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses an identity header the gateway did not send (scopes or a key id added)', () => {
    const request = signed();
    for (const added of [{ 'x-rampart-scopes': 'orders:write' }, { 'x-rampart-key-id': 'k' }]) {
      expect(
        verifyGatewayIdentity(
          { ...request, headers: { ...request.headers, ...added } },
          { secret, now: signedAt },
        ),
      ).toEqual({ ok: false, reason: 'invalid' });
    }
  });
});
