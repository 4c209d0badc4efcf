import type { AuditRecord } from './audit-record.js';
import { genesisHash, recordHash } from './audit-record.js';
import type { ChainVerification } from './chain-verifier.js';
import { type AuditCheckpoint, checkpointIsAuthentic } from './checkpoint-signer.js';

/**
 * Verifies an unfiltered JSONL export offline: every record re-hashed over its
 * predecessor, sequence numbers contiguous, and the final checkpoint line matching the
 * last record and signed by a trusted key. An export that starts after sequence 1 (after
 * retention) takes its first record's predecessor on trust and says so in `anchorSeq`.
 */
export async function verifyExportLines(
  lines: AsyncIterable<string>,
  trustedKeys: ReadonlySet<string>,
): Promise<ChainVerification> {
  let previousHash: string | undefined;
  let expected: number | undefined;
  let anchorSeq: number | undefined;
  let checked = 0;
  let checkpoint: AuditCheckpoint | undefined;
  const fail = (problem: ChainVerification['problem'], firstBadSeq: number) => ({
    ok: false,
    problem,
    firstBadSeq,
    checked,
    lastSeq: (expected ?? 1) - 1,
  });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const parsed = JSON.parse(line) as { type?: string };
    if (parsed.type === 'checkpoint') {
      checkpoint = parsed as unknown as AuditCheckpoint;
      continue;
    }
    if (checkpoint) return fail('unexpected_record', (expected ?? 1) - 1);
    const { type: _type, ...record } = parsed as AuditRecord & { type: string };
    if (expected === undefined) {
      expected = record.seq;
      if (record.seq !== 1) anchorSeq = record.seq - 1;
    }
    if (record.seq > expected) return fail('missing_record', expected);
    if (record.seq < expected) return fail('unexpected_record', record.seq);
    const computed =
      previousHash === undefined && record.seq !== 1
        ? record.hash
        : recordHash(previousHash ?? genesisHash, record.seq, record);
    if (computed !== record.hash) return fail('hash_mismatch', record.seq);
    previousHash = record.hash;
    expected += 1;
    checked += 1;
  }
  const lastSeq = (expected ?? 1) - 1;
  if (!checkpoint || checkpoint.seq === 0)
    return checked === 0
      ? { ok: true, checked, lastSeq }
      : { ...fail('truncated', lastSeq + 1), lastSeq };
  const withKind = { ...checkpoint, kind: checkpoint.kind ?? 'export' };
  if (!checkpointIsAuthentic(withKind, trustedKeys)) return fail('checkpoint_forged', lastSeq);
  if (checkpoint.seq > lastSeq) return fail('truncated', lastSeq + 1);
  if (checkpoint.seq < lastSeq || checkpoint.hash !== previousHash)
    return fail('checkpoint_mismatch', (anchorSeq ?? 0) + 1);
  return {
    ok: true,
    checked,
    lastSeq,
    lastCheckpointSeq: checkpoint.seq,
    ...(anchorSeq !== undefined ? { anchorSeq } : {}),
  };
}
