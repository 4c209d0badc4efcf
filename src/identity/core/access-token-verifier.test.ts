import { describe, expect, it, vi } from 'vitest';
import {
  createTokenSetup,
  expectRejected,
  signWithCurrentKey,
  testAudience,
  testIssuer,
  validClaims,
} from '../../../test/support/jwt-fixtures.js';
import { AccessTokenVerifier } from './access-token-verifier.js';

const second = 1000;

describe('AccessTokenVerifier', () => {
  it('accepts a token from the issuer and returns its claims', async () => {
    const { issuer, verifier } = await createTokenSetup();
    const issued = await issuer.issue({ subject: 'account-7', roles: ['VIEWER'], amr: ['pwd'] });
    const claims = await verifier.verify(issued.token);
    expect(claims).toMatchObject({
      iss: testIssuer,
      aud: testAudience,
      sub: 'account-7',
      jti: issued.jti,
      roles: ['VIEWER'],
      amr: ['pwd'],
    });
  });

  describe('time', () => {
    it('rejects a token expired by more than the clock tolerance as expired', async () => {
      const setup = await createTokenSetup({ accessTokenTtl: 900, clockTolerance: 30 });
      const token = await setup.issue();
      setup.clock.advance((900 + 30) * second);
      await expectRejected(setup.verifier.verify(token), 'expired');
    });

    it('accepts a token expired by less than the configured clock tolerance', async () => {
      const setup = await createTokenSetup({ accessTokenTtl: 900, clockTolerance: 30 });
      const token = await setup.issue();
      setup.clock.advance((900 + 29) * second);
      await expect(setup.verifier.verify(token)).resolves.toMatchObject({ sub: 'account-1' });
    });

    it('rejects a token whose nbf is beyond the tolerance as not yet valid', async () => {
      const setup = await createTokenSetup({ clockTolerance: 30 });
      const claims = validClaims(setup.clock);
      const token = await signWithCurrentKey(setup.ring, {
        ...claims,
        nbf: (claims.nbf as number) + 31,
      });
      await expectRejected(setup.verifier.verify(token), 'not_yet_valid');
    });

    it('accepts a token whose nbf is ahead of our clock by less than the tolerance', async () => {
      const setup = await createTokenSetup({ clockTolerance: 30 });
      const claims = validClaims(setup.clock);
      const token = await signWithCurrentKey(setup.ring, {
        ...claims,
        nbf: (claims.nbf as number) + 29,
      });
      await expect(setup.verifier.verify(token)).resolves.toMatchObject({ sub: 'account-1' });
    });

    it('refuses a clock tolerance above 60 seconds at construction', async () => {
      const { ring } = await createTokenSetup();
      const options = { ring, issuer: testIssuer, audience: testAudience };
      expect(() => new AccessTokenVerifier({ ...options, clockTolerance: 61 })).toThrow(RangeError);
      expect(() => new AccessTokenVerifier({ ...options, clockTolerance: 60 })).not.toThrow();
    });

    it('refuses a negative or non-numeric clock tolerance at construction', async () => {
      const { ring } = await createTokenSetup();
      const options = { ring, issuer: testIssuer, audience: testAudience };
      for (const clockTolerance of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => new AccessTokenVerifier({ ...options, clockTolerance })).toThrow(RangeError);
      }
    });

    it('reports a non-numeric nbf as a claim mismatch, not as a clock problem', async () => {
      const setup = await createTokenSetup();
      const claims = { ...validClaims(setup.clock), nbf: 'now' };
      const token = await signWithCurrentKey(setup.ring, claims);
      await expectRejected(setup.verifier.verify(token), 'claim_mismatch');
    });
  });

  describe('claims', () => {
    it('rejects a token for another audience', async () => {
      const setup = await createTokenSetup();
      const claims = { ...validClaims(setup.clock), aud: 'https://other.example' };
      const token = await signWithCurrentKey(setup.ring, claims);
      await expectRejected(setup.verifier.verify(token), 'claim_mismatch');
    });

    it('rejects a token from another issuer', async () => {
      const setup = await createTokenSetup();
      const claims = { ...validClaims(setup.clock), iss: 'https://other.example' };
      const token = await signWithCurrentKey(setup.ring, claims);
      await expectRejected(setup.verifier.verify(token), 'claim_mismatch');
    });

    it('rejects a token typed JWT instead of at+jwt, as an ID token would be', async () => {
      const setup = await createTokenSetup();
      const token = await signWithCurrentKey(setup.ring, validClaims(setup.clock), { typ: 'JWT' });
      await expectRejected(setup.verifier.verify(token), 'wrong_type');
    });

    it('accepts the media-type spellings RFC 9068 allows for at+jwt', async () => {
      for (const typ of ['application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
        const setup = await createTokenSetup();
        const token = await signWithCurrentKey(setup.ring, validClaims(setup.clock), { typ });
        await expect(setup.verifier.verify(token)).resolves.toMatchObject({
          sub: expect.any(String),
        });
      }
    });

    it('rejects a token with no typ header', async () => {
      const setup = await createTokenSetup();
      const token = await signWithCurrentKey(setup.ring, validClaims(setup.clock), {
        typ: undefined,
      });
      await expectRejected(setup.verifier.verify(token), 'wrong_type');
    });

    for (const claim of ['jti', 'sub', 'iat', 'nbf', 'exp', 'iss', 'aud']) {
      it(`rejects a token without ${claim}`, async () => {
        const setup = await createTokenSetup();
        const { [claim]: _omitted, ...claims } = validClaims(setup.clock);
        const token = await signWithCurrentKey(setup.ring, claims);
        await expectRejected(setup.verifier.verify(token), 'claim_mismatch');
      });
    }

    it('rejects a token granting a role that does not exist', async () => {
      const setup = await createTokenSetup();
      const claims = { ...validClaims(setup.clock), roles: ['VIEWER', 'SUPERUSER'] };
      const token = await signWithCurrentKey(setup.ring, claims);
      await expectRejected(setup.verifier.verify(token), 'claim_mismatch');
    });
  });

  describe('cache', () => {
    it('does not verify a token again once it has verified it', async () => {
      const setup = await createTokenSetup();
      const token = await setup.issue();
      // Every full verification starts from the ring's algorithm allowlist.
      const verifications = vi.spyOn(setup.ring, 'algorithms');
      await setup.verifier.verify(token);
      await setup.verifier.verify(token);
      expect(verifications).toHaveBeenCalledTimes(1);
    });

    it('still rejects a cached token once it has expired', async () => {
      const setup = await createTokenSetup({ accessTokenTtl: 900, clockTolerance: 30 });
      const token = await setup.issue();
      await setup.verifier.verify(token);
      const verifications = vi.spyOn(setup.ring, 'algorithms');
      setup.clock.advance((900 + 30) * second);
      await expectRejected(setup.verifier.verify(token), 'expired');
      // Refused from the cache itself, not by verifying the token again.
      expect(verifications).not.toHaveBeenCalled();
    });

    it('answers nothing from memory for a cached token once it has expired', async () => {
      // verifyCachedNow is the synchronous path of every request on a memory hot store:
      // undefined sends the token to verify(), which refuses it.
      const setup = await createTokenSetup({ accessTokenTtl: 900, clockTolerance: 30 });
      const token = await setup.issue();
      await setup.verifier.verify(token);
      expect(setup.verifier.verifyCachedNow(token)?.sub).toBeDefined();
      setup.clock.advance((900 + 30) * second);
      expect(setup.verifier.verifyCachedNow(token)).toBeUndefined();
    });

    it('answers nothing from memory for a cached token of a key that stopped verifying', async () => {
      const setup = await createTokenSetup({ accessTokenTtl: 900, issuerTtl: 3600 });
      const token = await setup.issue();
      const rotation = await setup.ring.rotate();
      await setup.verifier.verify(token);
      expect(setup.verifier.verifyCachedNow(token)?.sub).toBeDefined();
      setup.clock.advance(rotation.retiredVerifyUntil - setup.clock.now());
      expect(setup.verifier.verifyCachedNow(token)).toBeUndefined();
    });

    it('forgets verified tokens when the ring reports a change of keys', async () => {
      const setup = await createTokenSetup();
      const token = await setup.issue();
      await setup.verifier.verify(token);
      const clearCache = vi.spyOn(setup.verifier, 'clearCache');
      const verifications = vi.spyOn(setup.ring, 'algorithms');
      await setup.ring.rotate();
      expect(clearCache).toHaveBeenCalledTimes(1);
      await setup.verifier.verify(token);
      expect(verifications).toHaveBeenCalledTimes(1);
    });

    it('refuses a cached token of a rotated-out key once that key stops verifying', async () => {
      // The issuer's TTL is longer than the ring's (as after lowering jwt.accessTokenTtl,
      // or a rotation made by a CLI with another config), so the token outlives its key.
      const setup = await createTokenSetup({ accessTokenTtl: 900, issuerTtl: 3600 });
      const token = await setup.issue();
      const rotation = await setup.ring.rotate();
      await setup.verifier.verify(token);
      await setup.verifier.verify(token);
      setup.clock.advance(rotation.retiredVerifyUntil - setup.clock.now());
      await expectRejected(setup.verifier.verify(token), 'unknown_kid');
    });
  });
});
