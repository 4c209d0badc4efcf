import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64urlJson, expectRejected } from '../../../test/support/jwt-fixtures.js';
import { type VerifySignedJwtOptions, verifySignedJwt } from './verify-signed-jwt.js';

// RFC 7515 Appendix A.1: the HS256 example JWS, byte for byte. Its header and payload
// contain CRLFs, so they are kept in their encoded form rather than re-serialised.
const rfc7515A1 = {
  token:
    'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
    '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  // The symmetric key of A.1.1, as its JWK.
  jwk: {
    kty: 'oct',
    k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
  },
  exp: 1300819380,
};
const rfcKey = Buffer.from(rfc7515A1.jwk.k, 'base64url');

function rfcOptions(currentDate: Date): VerifySignedJwtOptions {
  return {
    algorithms: ['HS256'],
    resolveKey: () => ({ key: rfcKey, algorithm: 'HS256' }),
    typ: 'JWT',
    issuer: 'joe',
    currentDate,
  };
}

describe('verifySignedJwt', () => {
  it('verifies the RFC 7515 A.1 example with its key just before its expiry', async () => {
    const { header, payload } = await verifySignedJwt(
      rfc7515A1.token,
      rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)),
    );
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(payload).toEqual({
      iss: 'joe',
      exp: rfc7515A1.exp,
      'http://example.com/is_root': true,
    });
  });

  it('rejects the RFC 7515 A.1 example as expired once its exp has passed', async () => {
    await expectRejected(
      verifySignedJwt(rfc7515A1.token, rfcOptions(new Date(rfc7515A1.exp * 1000))),
      'expired',
    );
  });

  it('rejects the RFC 7515 A.1 example under any other key', async () => {
    const options = rfcOptions(new Date((rfc7515A1.exp - 1) * 1000));
    const otherKey = Buffer.from(rfcKey);
    otherKey[0] = (otherKey[0] ?? 0) ^ 1;
    options.resolveKey = () => ({ key: otherKey, algorithm: 'HS256' });
    await expectRejected(verifySignedJwt(rfc7515A1.token, options), 'bad_signature');
  });

  it('rejects the RFC 7515 A.1 example when a different issuer is required', async () => {
    const options = { ...rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)), issuer: 'jane' };
    await expectRejected(verifySignedJwt(rfc7515A1.token, options), 'claim_mismatch');
  });

  it('rejects the RFC 7515 A.1 example when at+jwt is the required type', async () => {
    const options = { ...rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)), typ: 'at+jwt' };
    await expectRejected(verifySignedJwt(rfc7515A1.token, options), 'wrong_type');
  });

  it('rejects a token when the resolver knows no key for it', async () => {
    const options = {
      ...rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)),
      resolveKey: () => undefined,
    };
    await expectRejected(verifySignedJwt(rfc7515A1.token, options), 'unknown_kid');
  });

  it('rejects a key whose algorithm differs from the header even if both are allowed', async () => {
    const options = {
      ...rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)),
      algorithms: ['HS256', 'HS512'],
      resolveKey: () => ({ key: rfcKey, algorithm: 'HS512' }),
    };
    await expectRejected(verifySignedJwt(rfc7515A1.token, options), 'algorithm_mismatch');
  });

  it('never asks for a key when the header is refused', async () => {
    let asked = 0;
    const options: VerifySignedJwtOptions = {
      ...rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)),
      algorithms: ['EdDSA'],
      resolveKey: () => {
        asked++;
        return { key: rfcKey, algorithm: 'HS256' };
      },
    };
    await expectRejected(verifySignedJwt(rfc7515A1.token, options), 'algorithm_not_allowed');
    expect(asked).toBe(0);
  });

  it('rejects a token with two or four parts, or over 8 KiB, as malformed', async () => {
    const options = rfcOptions(new Date((rfc7515A1.exp - 1) * 1000));
    const [h, p, s] = rfc7515A1.token.split('.');
    await expectRejected(verifySignedJwt(`${h}.${p}`, options), 'malformed');
    await expectRejected(verifySignedJwt(`${h}.${p}.${s}.${s}`, options), 'malformed');
    const bigPayload = base64urlJson({ iss: 'joe', pad: 'x'.repeat(8192) });
    const signingInput = `${h}.${bigPayload}`;
    const big = `${signingInput}.${createHmac('sha256', rfcKey).update(signingInput).digest('base64url')}`;
    await expectRejected(verifySignedJwt(big, options), 'malformed');
  });

  it('refuses a clock tolerance above 60 seconds', async () => {
    const options = { ...rfcOptions(new Date((rfc7515A1.exp - 1) * 1000)), clockTolerance: 61 };
    await expect(verifySignedJwt(rfc7515A1.token, options)).rejects.toBeInstanceOf(RangeError);
  });
});
