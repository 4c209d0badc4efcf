import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createTestClock,
  createTokenSetup,
  testAudience,
  testIssuer,
  testSealer,
} from '../../../test/support/jwt-fixtures.js';
import { createMemoryIdentityStores } from '../../storage/memory/memory-identity-stores.js';
import { AccessTokenIssuer } from './access-tokens.js';
import { SigningKeyRing } from './signing-key-ring.js';
import { signingAlgorithms } from './signing-keys.js';

describe('AccessTokenIssuer', () => {
  for (const algorithm of signingAlgorithms) {
    it(`signs with the current ${algorithm} key under an at+jwt header naming its kid`, async () => {
      const setup = await createTokenSetup({ algorithm });
      const header = decodeProtectedHeader(await setup.issue());
      expect(header).toEqual({ alg: algorithm, kid: setup.ring.current()!.kid, typ: 'at+jwt' });
    });
  }

  it('sets iss, aud, sub, iat, nbf, exp 900 s later, jti, roles, amr and auth_time', async () => {
    const clock = createTestClock(Date.UTC(2030, 0, 1, 12, 0, 0, 750));
    const setup = await createTokenSetup({ clock });
    const issued = await setup.issuer.issue({
      subject: 'account-9',
      roles: ['ADMIN', 'VIEWER'],
      amr: ['pwd'],
      authTime: 1_893_499_000,
    });
    const iat = Math.floor(clock.now() / 1000);
    expect(decodeJwt(issued.token)).toEqual({
      iss: testIssuer,
      aud: testAudience,
      sub: 'account-9',
      iat,
      nbf: iat,
      exp: iat + 900,
      jti: issued.jti,
      roles: ['ADMIN', 'VIEWER'],
      amr: ['pwd'],
      auth_time: 1_893_499_000,
    });
    expect(issued).toMatchObject({ expiresIn: 900, expiresAt: iat + 900 });
  });

  it('leaves amr and auth_time out when not given', async () => {
    const setup = await createTokenSetup();
    const claims = decodeJwt(await setup.issue());
    expect(claims).not.toHaveProperty('amr');
    expect(claims).not.toHaveProperty('auth_time');
  });

  it('gives every token a distinct, unguessable jti', async () => {
    const setup = await createTokenSetup();
    const jtis = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { jti } = await setup.issuer.issue({ subject: 'account-1', roles: ['VIEWER'] });
      expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits
      jtis.add(jti);
    }
    expect(jtis.size).toBe(200);
  });

  it('does not share the roles array with the caller', async () => {
    const setup = await createTokenSetup();
    const roles: ('ADMIN' | 'VIEWER')[] = ['VIEWER'];
    const pending = setup.issuer.issue({ subject: 'account-1', roles });
    roles.push('ADMIN');
    expect(decodeJwt((await pending).token).roles).toEqual(['VIEWER']);
  });

  it('refuses to issue with signing_key_unavailable while the ring holds no key', async () => {
    const ring = new SigningKeyRing({
      store: createMemoryIdentityStores().signingKeys,
      sealer: testSealer,
      algorithm: 'EdDSA',
      accessTokenTtl: 900,
      clockTolerance: 30,
    });
    const issuer = new AccessTokenIssuer({
      ring,
      issuer: testIssuer,
      audience: testAudience,
      ttlSeconds: 900,
    });
    await expect(issuer.issue({ subject: 'account-1', roles: ['VIEWER'] })).rejects.toMatchObject({
      code: 'signing_key_unavailable',
    });
  });
});
