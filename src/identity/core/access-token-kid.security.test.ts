/**
 * Attack: choose the verification key through the `kid` header.
 *
 * Verifiers that treat `kid` as a file path, URL or query can be pointed at a key the
 * attacker knows: `../../dev/null` reads as an empty HMAC secret, a path to any public
 * file makes its bytes the secret, a quote opens an SQL injection (RFC 8725 §3.10). A
 * kid can also be used to flood the key store with reloads. Rampart's kid is only ever
 * a key into the map of keys it already holds: every variant below must be refused as
 * `unknown_kid` without the filesystem being touched and without a reload per token.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTokenSetup,
  expectRejected,
  forgeJws,
  hmacSha256,
  type TokenSetup,
  validClaims,
} from '../../../test/support/jwt-fixtures.js';
import { loadCommonPasswords } from './common-passwords.js';

// Every function of node:fs and node:fs/promises, as seen by the code under test, records
// its calls: if the verifier (or the ring or store behind it) ever opened a kid as a
// path, the list would not be empty.
const { fsCalls, recordingModule } = vi.hoisted(() => {
  const fsCalls: string[] = [];
  const wrap = (name: string, fn: (...args: unknown[]) => unknown) =>
    function recorded(this: unknown, ...args: unknown[]) {
      fsCalls.push(`${name}(${args.map((a) => String(a)).join(', ')})`);
      return fn.apply(this, args);
    };
  const recordingModule = (moduleName: string, actual: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(actual)) {
      // Lower-case exports are functions to record; upper-case ones are classes.
      out[key] =
        typeof value === 'function' && /^[a-z]/.test(key)
          ? wrap(`${moduleName}.${key}`, value as (...args: unknown[]) => unknown)
          : value;
    }
    out.default = out;
    return out;
  };
  return { fsCalls, recordingModule };
});
vi.mock('node:fs', async (importOriginal) =>
  recordingModule('fs', await importOriginal<Record<string, unknown>>()),
);
vi.mock('node:fs/promises', async (importOriginal) =>
  recordingModule('fs/promises', await importOriginal<Record<string, unknown>>()),
);

const hostileKids: Record<string, string | undefined> = {
  'a path to /dev/null': '../../dev/null',
  'an absolute path': '/dev/null',
  'a path to a readable file': '/etc/hostname',
  'a URL': 'https://attacker.example/key.pem',
  'an SQL injection': "' UNION SELECT 'secret' AS key --",
  'an empty string': '',
  'no kid at all': undefined,
  'a 129-character kid': 'k'.repeat(129),
  'a 5,000-character kid': 'k'.repeat(5000),
};

function header(alg: string, kid: string | undefined): Record<string, unknown> {
  return kid === undefined ? { alg, typ: 'at+jwt' } : { alg, kid, typ: 'at+jwt' };
}

describe('hostile kid values', () => {
  let hs256: TokenSetup;
  let eddsa: TokenSetup;
  beforeEach(async () => {
    hs256 = await createTokenSetup({ algorithm: 'HS256' });
    eddsa = await createTokenSetup({ algorithm: 'EdDSA' });
    fsCalls.length = 0;
  });
  afterEach(() => {
    expect(fsCalls).toEqual([]);
  });

  for (const [label, kid] of Object.entries(hostileKids)) {
    it(`refuses an HS256 token whose kid is ${label}, whatever secret signed it`, async () => {
      const claims = { ...validClaims(hs256.clock), roles: ['ADMIN'] };
      // The empty secret /dev/null would yield, and the bytes a path or URL might.
      for (const secret of ['', '\n', 'secret', kid ?? '']) {
        const token = forgeJws(header('HS256', kid), claims, hmacSha256(secret));
        await expectRejected(hs256.verifier.verify(token), 'unknown_kid');
      }
    });

    it(`refuses an EdDSA token whose kid is ${label}, signed by the attacker's key`, async () => {
      const { privateKey } = await generateKeyPair('EdDSA');
      const token = await new SignJWT({ ...validClaims(eddsa.clock), roles: ['ADMIN'] })
        .setProtectedHeader(header('EdDSA', kid) as { alg: string })
        .sign(privateKey);
      await expectRejected(eddsa.verifier.verify(token), 'unknown_kid');
    });
  }

  it('refuses a kid that names a key of ours with different case or padding', async () => {
    const kid = hs256.ring.current()!.kid;
    const claims = validClaims(hs256.clock);
    for (const near of [kid.toUpperCase(), ` ${kid}`, `${kid} `, `${kid}\u0000`, `${kid}=`]) {
      if (near === kid) continue;
      const token = forgeJws(header('HS256', near), claims, hmacSha256(''));
      await expectRejected(hs256.verifier.verify(token), 'unknown_kid');
    }
  });

  it('refuses the attacker key whose thumbprint it presents as kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const { calculateJwkThumbprint } = await import('jose');
    const kid = await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
    const token = await new SignJWT(validClaims(eddsa.clock))
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .sign(privateKey);
    await expectRejected(eddsa.verifier.verify(token), 'unknown_kid');
  });

  it('re-reads the key store at most once for a stream of unknown kids', async () => {
    const reloads = vi.spyOn(hs256.ring, 'reload');
    // Past the minimum interval since the ring was loaded: one reload is allowed.
    hs256.clock.advance(10_000);
    const claims = validClaims(hs256.clock);
    for (let i = 0; i < 50; i++) {
      const kid = randomBytes(16).toString('base64url');
      const token = forgeJws(header('HS256', kid), claims, hmacSha256(''));
      await expectRejected(hs256.verifier.verify(token), 'unknown_kid');
    }
    expect(reloads).toHaveBeenCalledTimes(1);
  });

  it('refuses a token made huge by its kid before decoding its header', async () => {
    const token = forgeJws(header('HS256', 'k'.repeat(100_000)), validClaims(hs256.clock));
    await expectRejected(hs256.verifier.verify(token), 'malformed');
  });

  for (const [label, kid] of [
    ['too long to be ours', 'k'.repeat(129)],
    ['empty', ''],
    ['missing', undefined],
  ] as const) {
    it(`does not re-read the key store for a kid that is ${label}`, async () => {
      const reloads = vi.spyOn(hs256.ring, 'reload');
      hs256.clock.advance(10_000);
      const token = forgeJws(header('HS256', kid), validClaims(hs256.clock));
      await expectRejected(hs256.verifier.verify(token), 'unknown_kid');
      expect(reloads).not.toHaveBeenCalled();
    });
  }
});

describe('the filesystem recorder', () => {
  it('sees a file read made by code under test, so its silence above means something', () => {
    fsCalls.length = 0;
    loadCommonPasswords();
    expect(fsCalls.some((call) => call.startsWith('fs.readFileSync('))).toBe(true);
  });
});
