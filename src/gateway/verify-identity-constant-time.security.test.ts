/*
 * A MAC compared with `===` or Buffer.equals stops at the first differing byte, so the
 * time a refusal takes tells an attacker how many leading bytes of a forged signature are
 * right, and the signature can be found byte by byte. No answer of verifyGatewayIdentity
 * shows the difference, so this file watches the comparison itself: node:crypto is the
 * real module, with timingSafeEqual wrapped to count its calls.
 */
import { describe, expect, it, vi } from 'vitest';

const compared = vi.hoisted(() => ({ calls: 0 }));

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.calls++;
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { signIdentity } = await import('./identity-signature.js');
const { verifyGatewayIdentity } = await import('./verify-identity.js');

describe('verifyGatewayIdentity compares the MAC in constant time', () => {
  it('through crypto.timingSafeEqual, for a valid and a forged signature alike', () => {
    const secret = 'gateway-identity-secret-for-tests-0123456789';
    const now = 1_700_000_000;
    const identity = {
      kind: 'user' as const,
      id: 'usr_01',
      keyId: '',
      roles: ['VIEWER'],
      scopes: [],
      requestId: 'req-1',
    };
    const headers = signIdentity(secret, identity, 'GET', '/orders', now);
    const request = { method: 'GET', url: '/orders', headers };

    compared.calls = 0;
    expect(verifyGatewayIdentity(request, { secret, now }).ok).toBe(true);
    expect(compared.calls).toBe(1);

    // Same length, last character changed: a byte-by-byte guess nearly complete.
    const signature = String(headers['x-rampart-identity-signature']);
    const forged = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    compared.calls = 0;
    expect(
      verifyGatewayIdentity(
        { ...request, headers: { ...headers, 'x-rampart-identity-signature': forged } },
        { secret, now },
      ),
    ).toEqual({ ok: false, reason: 'invalid' });
    expect(compared.calls).toBe(1);
  });
});
