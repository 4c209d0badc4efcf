import { type AuditRecord, genesisHash, recordHash } from './audit-record.js';
import { type AuditCheckpoint, checkpointIsAuthentic } from './checkpoint-signer.js';

export type ChainProblem =
  /** A record's hash does not match its content and predecessor (modified, forged, swapped). */
  | 'hash_mismatch'
  /** A sequence number is missing (a deleted record). */
  | 'missing_record'
  /** A record sits where the chain did not expect it. */
  | 'unexpected_record'
  /** A signed checkpoint names a hash the chain does not have at its position. */
  | 'checkpoint_mismatch'
  /** A checkpoint's signature is invalid or by an untrusted key. */
  | 'checkpoint_forged'
  /** Records a signed checkpoint covered are gone from the end. */
  | 'truncated';

export interface ChainVerification {
  ok: boolean;
  /** Records checked. */
  checked: number;
  /** The first sequence number at which the chain is wrong. */
  firstBadSeq?: number;
  problem?: ChainProblem;
  /** The last record's sequence number (0 when empty). */
  lastSeq: number;
  /** The highest authentic checkpoint's sequence number. */
  lastCheckpointSeq?: number;
  /** The retention anchor the chain starts from, if records were deleted by retention. */
  anchorSeq?: number;
}

export interface VerifyChainInput {
  /** Records with seq > afterSeq ascending, at most `limit` (paged). */
  readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  checkpoints: readonly AuditCheckpoint[];
  /** base64url raw Ed25519 public keys the verifier trusts. */
  trustedKeys: ReadonlySet<string>;
  pageSize?: number;
}

/**
 * Walks the chain from its start (genesis, or the latest authentic retention anchor),
 * recomputing each hash, checking sequence continuity and every signed checkpoint, and
 * finally that no checkpoint lies beyond the last record. Names the first bad sequence
 * number. Records appended after the last checkpoint are only as trustworthy as the
 * database: a forger who recomputes hashes at the tail is caught at the next checkpoint.
 */
export async function verifyChain(input: VerifyChainInput): Promise<ChainVerification> {
  const pageSize = input.pageSize ?? 1000;
  const fail = (
    problem: ChainProblem,
    firstBadSeq: number,
    checked: number,
    lastSeq: number,
  ): ChainVerification => ({ ok: false, problem, firstBadSeq, checked, lastSeq });

  for (const cp of input.checkpoints) {
    if (!checkpointIsAuthentic(cp, input.trustedKeys))
      return fail('checkpoint_forged', cp.kind === 'anchor' ? cp.seq + 1 : cp.seq, 0, 0);
  }
  const anchors = input.checkpoints.filter((c) => c.kind === 'anchor');
  const anchor = anchors.reduce<AuditCheckpoint | undefined>(
    (best, c) => (best === undefined || c.seq > best.seq ? c : best),
    undefined,
  );
  const start = anchor?.seq ?? 0;
  // Checkpoints inside the kept part of the chain, by position.
  const bySeq = new Map<number, AuditCheckpoint[]>();
  let lastCheckpointSeq: number | undefined;
  for (const cp of input.checkpoints) {
    if (cp.seq <= start || cp.kind === 'anchor') continue;
    const list = bySeq.get(cp.seq) ?? [];
    list.push(cp);
    bySeq.set(cp.seq, list);
    if (lastCheckpointSeq === undefined || cp.seq > lastCheckpointSeq) lastCheckpointSeq = cp.seq;
  }

  let previousHash = anchor?.hash ?? genesisHash;
  let expected = start + 1;
  let checked = 0;
  // The last position a checkpoint confirmed: a mismatch is somewhere after it.
  let confirmed = start;
  for (;;) {
    const page = await input.readAfter(expected - 1, pageSize);
    for (const record of page) {
      if (record.seq > expected) return fail('missing_record', expected, checked, expected - 1);
      if (record.seq < expected)
        return fail('unexpected_record', record.seq, checked, expected - 1);
      if (recordHash(previousHash, record.seq, record) !== record.hash)
        return fail('hash_mismatch', record.seq, checked, expected - 1);
      for (const cp of bySeq.get(record.seq) ?? []) {
        if (cp.hash !== record.hash)
          return fail('checkpoint_mismatch', confirmed + 1, checked, expected - 1);
      }
      if (bySeq.has(record.seq)) confirmed = record.seq;
      previousHash = record.hash;
      expected += 1;
      checked += 1;
    }
    if (page.length < pageSize) break;
  }
  const lastSeq = expected - 1;
  if (lastCheckpointSeq !== undefined && lastCheckpointSeq > lastSeq)
    return {
      ...fail('truncated', lastSeq + 1, checked, lastSeq),
      lastCheckpointSeq,
    };
  return {
    ok: true,
    checked,
    lastSeq,
    ...(lastCheckpointSeq !== undefined ? { lastCheckpointSeq } : {}),
    ...(anchor ? { anchorSeq: anchor.seq } : {}),
  };
}
