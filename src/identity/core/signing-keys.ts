import { randomBytes } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  generateSecret,
  importJWK,
  type JWK,
} from 'jose';
import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import type { StoredSigningKey } from '../store.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'HS256';
export const signingAlgorithms: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256'];

export interface LoadedSigningKey {
  kid: string;
  algorithm: SigningAlgorithm;
  /** Key that verifies signatures (the public key, or the secret for HS256). */
  verifyKey: CryptoKey | Uint8Array;
  /** Key that signs; only needed for the current key but cheap to keep. */
  signKey: CryptoKey | Uint8Array;
  publicJwk: JWK | undefined;
  retiredAt: number | null;
  verifyUntil: number | null;
}

const sealingContext = sealedContexts.signingKey;

export function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (signingAlgorithms as readonly string[]).includes(value);
}

/**
 * Creates a new signing key: the private part sealed with the master key, the public
 * part as a JWK with `kid` (its RFC 7638 thumbprint), `alg` and `use`.
 */
export async function generateSigningKey(
  algorithm: SigningAlgorithm,
  sealer: Sealer,
  now: number,
): Promise<StoredSigningKey> {
  if (algorithm === 'HS256') {
    const secret = await generateSecret('HS256', { extractable: true });
    const jwk = await exportJWK(secret);
    // A thumbprint of a secret key is a hash of the secret: use a random id instead.
    const kid = randomBytes(16).toString('base64url');
    return {
      kid,
      algorithm,
      publicJwk: null,
      sealedPrivateKey: sealer.seal(
        JSON.stringify({ ...jwk, kid, alg: algorithm }),
        sealingContext(kid),
      ),
      createdAt: now,
      retiredAt: null,
      verifyUntil: null,
    };
  }
  const options =
    algorithm === 'RS256' ? { extractable: true, modulusLength: 3072 } : { extractable: true };
  const { publicKey, privateKey } = await generateKeyPair(algorithm, options);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    algorithm,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg: algorithm, use: 'sig' }),
    sealedPrivateKey: sealer.seal(
      JSON.stringify({ ...privateJwk, kid, alg: algorithm }),
      sealingContext(kid),
    ),
    createdAt: now,
    retiredAt: null,
    verifyUntil: null,
  };
}

/** Opens a stored key: unseals the private JWK and imports both halves. */
export async function loadSigningKey(
  stored: StoredSigningKey,
  sealer: Sealer,
): Promise<LoadedSigningKey> {
  if (!isSigningAlgorithm(stored.algorithm))
    throw new Error(`signing key ${stored.kid} has unsupported algorithm ${stored.algorithm}`);
  const privateJwk = JSON.parse(
    sealer.open(stored.sealedPrivateKey, sealingContext(stored.kid)).toString('utf8'),
  ) as JWK;
  const signKey = await importJWK(privateJwk, stored.algorithm);
  const publicJwk = stored.publicJwk ? (JSON.parse(stored.publicJwk) as JWK) : undefined;
  const verifyKey = publicJwk ? await importJWK(publicJwk, stored.algorithm) : signKey;
  return {
    kid: stored.kid,
    algorithm: stored.algorithm,
    verifyKey,
    signKey,
    publicJwk,
    retiredAt: stored.retiredAt,
    verifyUntil: stored.verifyUntil,
  };
}
