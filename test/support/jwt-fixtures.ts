import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import { createSealer } from '../../src/dataprotect/core/sealer.js';
import { AccessTokenVerifier } from '../../src/identity/core/access-token-verifier.js';
import { AccessTokenIssuer } from '../../src/identity/core/access-tokens.js';
import { SigningKeyRing } from '../../src/identity/core/signing-key-ring.js';
import type { SigningAlgorithm } from '../../src/identity/core/signing-keys.js';
import type { TokenRejection } from '../../src/identity/core/token-rejection.js';
import type { SigningKeyStore } from '../../src/identity/store.js';
import { createMemoryIdentityStores } from '../../src/storage/memory/memory-identity-stores.js';

/** A clock that moves only when told to, in milliseconds. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

export function createTestClock(start = Date.UTC(2030, 0, 1)): TestClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

export const testIssuer = 'https://rampart.test';
export const testAudience = 'https://api.rampart.test';

export interface TokenSetupOptions {
  algorithm?: SigningAlgorithm;
  /** The ring's access token TTL (how long a retired key verifies). */
  accessTokenTtl?: number;
  /** The issuer's TTL; defaults to `accessTokenTtl`. */
  issuerTtl?: number;
  clockTolerance?: number;
  clock?: TestClock;
  store?: SigningKeyStore;
}

export interface TokenSetup {
  clock: TestClock;
  store: SigningKeyStore;
  ring: SigningKeyRing;
  verifier: AccessTokenVerifier;
  issuer: AccessTokenIssuer;
  /** A token for `subject` with role VIEWER, signed by the current key. */
  issue(subject?: string): Promise<string>;
}

/**
 * A ring over the memory store, its verifier (cleared by the ring's onChange, as
 * rampart.ts wires it) and an issuer, all on one test clock.
 */
export async function createTokenSetup(options: TokenSetupOptions = {}): Promise<TokenSetup> {
  const clock = options.clock ?? createTestClock();
  const store = options.store ?? createMemoryIdentityStores().signingKeys;
  const accessTokenTtl = options.accessTokenTtl ?? 900;
  const clockTolerance = options.clockTolerance ?? 30;
  let verifier: AccessTokenVerifier | undefined;
  const ring = new SigningKeyRing({
    store,
    sealer: testSealer,
    algorithm: options.algorithm ?? 'EdDSA',
    accessTokenTtl,
    clockTolerance,
    now: clock.now,
    onChange: () => verifier?.clearCache(),
  });
  verifier = new AccessTokenVerifier({
    ring,
    issuer: testIssuer,
    audience: testAudience,
    clockTolerance,
    now: clock.now,
  });
  await ring.initialize();
  const issuer = new AccessTokenIssuer({
    ring,
    issuer: testIssuer,
    audience: testAudience,
    ttlSeconds: options.issuerTtl ?? accessTokenTtl,
    now: clock.now,
  });
  return {
    clock,
    store,
    ring,
    verifier,
    issuer,
    async issue(subject = 'account-1') {
      return (await issuer.issue({ subject, roles: ['VIEWER'] })).token;
    },
  };
}

/** One sealer for every test ring, so several rings can share one store. */
export const testSealer = createSealer(randomBytes(32));

export function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Builds a compact JWS by hand, so a test can produce what no well-behaved library would
 * sign: `alg: none`, foreign headers, a MAC keyed with a public key.
 */
export function forgeJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: (signingInput: string) => string = () => '',
): string {
  const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  return `${signingInput}.${sign(signingInput)}`;
}

/** An HS256 signer over any bytes: the attacker's view of "the key". */
export function hmacSha256(key: Uint8Array | string): (signingInput: string) => string {
  return (input) => createHmac('sha256', key).update(input).digest('base64url');
}

/** Claims a Rampart access token carries, valid at `clock` time. */
export function validClaims(clock: TestClock, ttl = 900): Record<string, unknown> {
  const iat = Math.floor(clock.now() / 1000);
  return {
    iss: testIssuer,
    aud: testAudience,
    sub: 'account-1',
    iat,
    nbf: iat,
    exp: iat + ttl,
    jti: randomBytes(16).toString('base64url'),
    roles: ['VIEWER'],
  };
}

/**
 * Signs `claims` with the ring's current key, as the issuer would but with any claims and
 * header members, to test the verifier's claim checks behind a valid signature.
 */
export async function signWithCurrentKey(
  ring: SigningKeyRing,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = ring.current();
  if (!key) throw new Error('the ring has no current key');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.signKey);
}

/** Asserts that `promise` rejects as `invalid_token` for exactly `reason`. */
export async function expectRejected(
  promise: Promise<unknown>,
  reason: TokenRejection,
): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: 'invalid_token', context: { reason } });
}
