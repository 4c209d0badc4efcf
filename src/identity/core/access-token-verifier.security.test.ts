/**
 * Attack: forge an access token the verifier accepts without holding our signing key.
 *
 * The classic routes (RFC 8725 §2): declare `alg: none` so no signature is checked;
 * switch an asymmetric algorithm to HS256 and MAC the token with our *public* key,
 * which anyone can read from the JWKS (key confusion); make the token name its own key
 * through `jku`, `jwk`, `x5u` or `x5c`; hide a semantic in `crit`; or keep a genuine
 * signature and change the claims or header it covers. Each must be refused, for the
 * reason given here: a test that passed for another reason would not prove the check.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  base64urlJson,
  createTestClock,
  createTokenSetup,
  expectRejected,
  forgeJws,
  hmacSha256,
  validClaims,
} from '../../../test/support/jwt-fixtures.js';
import { createMemoryIdentityStores } from '../../storage/memory/memory-identity-stores.js';
import type { SigningAlgorithm } from './signing-keys.js';

describe('unsigned tokens', () => {
  for (const alg of ['none', 'None', 'nOnE', 'NONE']) {
    it(`refuses alg ${alg} with an empty signature, a garbage signature or a MAC`, async () => {
      const setup = await createTokenSetup({ algorithm: 'EdDSA' });
      const kid = setup.ring.current()!.kid;
      const header = { alg, kid, typ: 'at+jwt' };
      const claims = validClaims(setup.clock);
      const signatures = [() => '', () => randomBytes(64).toString('base64url'), hmacSha256('')];
      for (const sign of signatures) {
        await expectRejected(
          setup.verifier.verify(forgeJws(header, claims, sign)),
          'algorithm_not_allowed',
        );
      }
    });
  }

  it('refuses alg none even when the ring holds an HMAC key', async () => {
    const setup = await createTokenSetup({ algorithm: 'HS256' });
    const kid = setup.ring.current()!.kid;
    const token = forgeJws({ alg: 'none', kid, typ: 'at+jwt' }, validClaims(setup.clock));
    await expectRejected(setup.verifier.verify(token), 'algorithm_not_allowed');
  });
});

describe('algorithm confusion', () => {
  /** What an attacker can read of our public key: its PEM (SPKI) and its JWK text. */
  function publicKeyMaterial(publicJwk: object): Record<string, string> {
    const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    return { PEM: pem, 'PEM without newline': pem.trimEnd(), JWK: JSON.stringify(publicJwk) };
  }

  for (const asymmetric of ['RS256', 'EdDSA', 'ES256'] as const) {
    it(`refuses HS256 keyed with our ${asymmetric} public key when only ${asymmetric} is configured`, async () => {
      const setup = await createTokenSetup({ algorithm: asymmetric });
      const { kid, publicJwk } = setup.ring.current()!;
      const claims = { ...validClaims(setup.clock), roles: ['ADMIN'] };
      for (const material of Object.values(publicKeyMaterial(publicJwk!))) {
        const token = forgeJws({ alg: 'HS256', kid, typ: 'at+jwt' }, claims, hmacSha256(material));
        await expectRejected(setup.verifier.verify(token), 'algorithm_not_allowed');
      }
    });

    it(`refuses HS256 keyed with our ${asymmetric} public key while an HS256 key is still held`, async () => {
      // Switching jwt.algorithm from HS256 leaves the old HMAC key verifying for one
      // token lifetime, so HS256 is in the allowlist; the kid still names the
      // asymmetric key, whose algorithm must win.
      const clock = createTestClock();
      const store = createMemoryIdentityStores().signingKeys;
      await createTokenSetup({ algorithm: 'HS256', clock, store });
      const setup = await createTokenSetup({ algorithm: asymmetric, clock, store });
      expect(setup.ring.algorithms()).toEqual(new Set<SigningAlgorithm>(['HS256', asymmetric]));
      const { kid, publicJwk } = setup.ring.current()!;
      const claims = { ...validClaims(setup.clock), roles: ['ADMIN'] };
      for (const material of Object.values(publicKeyMaterial(publicJwk!))) {
        const token = forgeJws({ alg: 'HS256', kid, typ: 'at+jwt' }, claims, hmacSha256(material));
        await expectRejected(setup.verifier.verify(token), 'algorithm_mismatch');
      }
    });
  }

  it('refuses an EdDSA key presented under RS256, another asymmetric algorithm', async () => {
    const clock = createTestClock();
    const store = createMemoryIdentityStores().signingKeys;
    await createTokenSetup({ algorithm: 'RS256', clock, store });
    const setup = await createTokenSetup({ algorithm: 'EdDSA', clock, store });
    const { kid } = setup.ring.current()!;
    const token = forgeJws({ alg: 'RS256', kid, typ: 'at+jwt' }, validClaims(clock), () =>
      randomBytes(384).toString('base64url'),
    );
    await expectRejected(setup.verifier.verify(token), 'algorithm_mismatch');
  });
});

describe('headers that bring their own key', () => {
  async function attackerKey() {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    return { publicJwk: await exportJWK(publicKey), privateKey };
  }

  it('refuses a token whose jwk header embeds the key that signed it', async () => {
    const setup = await createTokenSetup({ algorithm: 'EdDSA' });
    const attacker = await attackerKey();
    const token = await new SignJWT({ ...validClaims(setup.clock), roles: ['ADMIN'] })
      .setProtectedHeader({
        alg: 'EdDSA',
        kid: setup.ring.current()!.kid,
        typ: 'at+jwt',
        jwk: attacker.publicJwk,
      })
      .sign(attacker.privateKey);
    await expectRejected(setup.verifier.verify(token), 'forbidden_header');
  });

  const pointers: Record<string, unknown> = {
    jku: 'https://attacker.example/jwks.json',
    x5u: 'https://attacker.example/cert.pem',
    x5c: [randomBytes(300).toString('base64')],
    x5t: randomBytes(20).toString('base64url'),
    'x5t#S256': randomBytes(32).toString('base64url'),
  };
  for (const [name, value] of Object.entries(pointers)) {
    it(`refuses a token carrying a ${name} header`, async () => {
      const setup = await createTokenSetup({ algorithm: 'EdDSA' });
      const attacker = await attackerKey();
      const token = await new SignJWT(validClaims(setup.clock))
        .setProtectedHeader({
          alg: 'EdDSA',
          kid: setup.ring.current()!.kid,
          typ: 'at+jwt',
          [name]: value,
        })
        .sign(attacker.privateKey);
      await expectRejected(setup.verifier.verify(token), 'forbidden_header');
    });
  }

  it('refuses a genuine token once a jku header is added to it', async () => {
    const setup = await createTokenSetup({ algorithm: 'HS256' });
    const kid = setup.ring.current()!.kid;
    const token = forgeJws(
      { alg: 'HS256', kid, typ: 'at+jwt', jku: 'https://attacker.example/jwks.json' },
      validClaims(setup.clock),
      () => '',
    );
    await expectRejected(setup.verifier.verify(token), 'forbidden_header');
  });

  it('refuses a token declaring a critical extension, even an empty list', async () => {
    const setup = await createTokenSetup({ algorithm: 'HS256' });
    const kid = setup.ring.current()!.kid;
    for (const crit of [['exp'], ['b64'], []]) {
      const token = forgeJws(
        { alg: 'HS256', kid, typ: 'at+jwt', crit, b64: false, exp: 1 },
        validClaims(setup.clock),
        () => '',
      );
      await expectRejected(setup.verifier.verify(token), 'forbidden_header');
    }
  });
});

describe('tampering with a genuine token', () => {
  for (const algorithm of ['EdDSA', 'ES256', 'RS256', 'HS256'] as const) {
    it(`refuses ${algorithm} claims re-encoded under the original signature`, async () => {
      const setup = await createTokenSetup({ algorithm });
      const [header, payload, signature] = (await setup.issue()).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      const forged = `${header}.${base64urlJson({ ...claims, roles: ['ADMIN'] })}.${signature}`;
      await expectRejected(setup.verifier.verify(forged), 'bad_signature');
    });
  }

  it('refuses claims re-encoded under the signature of a token it has cached', async () => {
    // Verified tokens are found in memory by the end of their signature: the forged token
    // ends alike, and must still be judged on its own text.
    const setup = await createTokenSetup();
    const genuine = await setup.issue();
    await setup.verifier.verify(genuine);
    const [header, payload, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const forged = `${header}.${base64urlJson({ ...claims, roles: ['ADMIN'] })}.${signature}`;
    expect(setup.verifier.verifyCachedNow(forged)).toBeUndefined();
    await expectRejected(setup.verifier.verify(forged), 'bad_signature');
    expect(setup.verifier.verifyCachedNow(genuine)).toMatchObject({ roles: claims.roles });
    await expect(setup.verifier.verify(genuine)).resolves.toMatchObject({ roles: claims.roles });
  });

  it('refuses identical claims re-encoded with other whitespace', async () => {
    // The signature covers the encoded bytes, not the JSON meaning (RFC 7515 §5.2).
    const setup = await createTokenSetup();
    const [header, payload, signature] = (await setup.issue()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const spaced = Buffer.from(JSON.stringify(claims, null, 1)).toString('base64url');
    await expectRejected(
      setup.verifier.verify(`${header}.${spaced}.${signature}`),
      'bad_signature',
    );
  });

  it('refuses a header changed under the original signature', async () => {
    const setup = await createTokenSetup();
    const [header, payload, signature] = (await setup.issue()).split('.');
    const parsed = JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'));
    for (const changed of [
      { ...parsed, cty: 'JWT' },
      { typ: parsed.typ, kid: parsed.kid, alg: parsed.alg },
    ]) {
      const forged = `${base64urlJson(changed)}.${payload}.${signature}`;
      await expectRejected(setup.verifier.verify(forged), 'bad_signature');
    }
  });

  it('refuses a genuine token whose signature was removed or truncated', async () => {
    const setup = await createTokenSetup();
    const token = await setup.issue();
    const [header, payload, signature] = token.split('.');
    await expectRejected(setup.verifier.verify(`${header}.${payload}.`), 'bad_signature');
    await expectRejected(
      setup.verifier.verify(`${header}.${payload}.${signature!.slice(0, -4)}`),
      'bad_signature',
    );
  });
});
