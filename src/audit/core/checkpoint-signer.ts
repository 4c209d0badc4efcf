import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

/** A signed statement that the chain had `hash` at `seq` at `time`. */
export interface AuditCheckpoint {
  id: string;
  seq: number;
  hash: string;
  time: number;
  /** interval | manual | export | anchor (written by retention before deleting). */
  kind: CheckpointKind;
  keyId: string;
  /** Raw Ed25519 public key, base64url: verification needs nothing else. */
  publicKey: string;
  /** Ed25519 signature over `checkpointPayload`, base64url. */
  signature: string;
}

export type CheckpointKind = 'interval' | 'manual' | 'export' | 'anchor';

/** The signed bytes: a domain-separation label, then sequence, hash and time, one per line. */
export function checkpointPayload(seq: number, hash: string, time: number): Buffer {
  return Buffer.from(`rampart-audit-checkpoint/v1\n${seq}\n${hash}\n${time}`, 'utf8');
}

// DER prefix of a PKCS #8 Ed25519 private key (RFC 8410 section 7); the 32-byte seed follows.
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
// DER prefix of an SPKI Ed25519 public key (RFC 8410 section 4); the 32-byte key follows.
const spkiEd25519Prefix = Buffer.from('302a300506032b6570032100', 'hex');

export function publicKeyId(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('base64url').slice(0, 16);
}

function importPublicKey(raw: Buffer): KeyObject {
  return createPublicKey({
    key: Buffer.concat([spkiEd25519Prefix, raw]),
    format: 'der',
    type: 'spki',
  });
}

export interface CheckpointSigner {
  readonly keyId: string;
  /** base64url raw public key. */
  readonly publicKey: string;
  sign(seq: number, hash: string, time: number): string;
}

/**
 * The checkpoint key is derived from the master key with HKDF-SHA-256 (RFC 5869,
 * info `rampart/audit-checkpoint/v1`) rather than generated and sealed in the database:
 * every node and the CLI hold the same key without coordination or a first-start race,
 * and nothing about it rests in the database an attacker may control. Rotating the
 * master key rotates this key; earlier checkpoints stay verifiable by pinning their
 * public key in `audit.trustedKeys`.
 */
export function deriveCheckpointSigner(masterKey: Buffer): CheckpointSigner {
  const seed = Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart/audit-checkpoint/v1', 32),
  );
  const privateKey = createPrivateKey({
    key: Buffer.concat([pkcs8Ed25519Prefix, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const raw = spki.subarray(spkiEd25519Prefix.length);
  return {
    keyId: publicKeyId(raw),
    publicKey: raw.toString('base64url'),
    sign: (seq, hash, time) =>
      sign(null, checkpointPayload(seq, hash, time), privateKey).toString('base64url'),
  };
}

/**
 * Checks a checkpoint's signature with the public key it carries, and that this key is
 * one the verifier trusts (a forger can sign with a key of their own).
 */
export function checkpointIsAuthentic(
  checkpoint: AuditCheckpoint,
  trustedKeys: ReadonlySet<string>,
): boolean {
  try {
    const raw = Buffer.from(checkpoint.publicKey, 'base64url');
    if (raw.length !== 32) return false;
    const keyId = publicKeyId(raw);
    if (keyId !== checkpoint.keyId || !trustedKeys.has(checkpoint.publicKey)) return false;
    return verify(
      null,
      checkpointPayload(checkpoint.seq, checkpoint.hash, checkpoint.time),
      importPublicKey(raw),
      Buffer.from(checkpoint.signature, 'base64url'),
    );
  } catch {
    return false;
  }
}
