import { hash } from 'node:crypto';
import type { ActorKind, EventOutcome, EventSeverity } from '../../events/security-event.js';
import { canonicalJson } from './canonical-json.js';

/** The hash before the first record: 32 zero bytes, hex. */
export const genesisHash = '0'.repeat(64);

/** One audit record as the chain sees it (every column but the hash). */
export interface AuditEntry {
  /** The event id (UUIDv7, time-ordered). */
  id: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  actor: {
    kind: ActorKind;
    id: string | null;
    ip: string | null;
    userAgent: string | null;
    apiKeyId: string | null;
  };
  /** The event type. */
  action: string;
  target: { type: string; id: string | null } | null;
  outcome: EventOutcome;
  severity: EventSeverity;
  environment: string;
  requestId: string | null;
  /** 0–10. */
  risk: number;
  details: Record<string, unknown>;
}

/** A stored record: its position in the chain and its hash. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  hash: string;
  /** canonicalJson(details), when already computed (appends), so it is done once. */
  detailsJson?: string;
}

/**
 * The canonical form of a record (version 1): canonical JSON (see canonical-json.ts) of
 * `{v: 1, seq, id, time, actor: {kind, id, ip, userAgent, apiKeyId}, action, target,
 * outcome, severity, environment, requestId, risk, details}`, absent values as `null`.
 * The sequence number is part of it, so moving a record's content to another position
 * breaks the chain.
 */
export function canonicalRecord(seq: number, entry: AuditEntry, detailsJson?: string): string {
  // Written out by hand with the members already in sorted order: this runs for every
  // event, and it is exactly canonicalJson of the object described above (a test holds
  // the two together).
  const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
  const a = entry.actor;
  const t = entry.target;
  return (
    `{"action":${str(entry.action)}` +
    `,"actor":{"apiKeyId":${str(a.apiKeyId)},"id":${str(a.id)},"ip":${str(a.ip)},"kind":${str(a.kind)},"userAgent":${str(a.userAgent)}}` +
    `,"details":${detailsJson ?? canonicalJson(entry.details)}` +
    `,"environment":${str(entry.environment)},"id":${str(entry.id)},"outcome":${str(entry.outcome)}` +
    `,"requestId":${str(entry.requestId)},"risk":${canonicalJson(entry.risk)},"seq":${canonicalJson(seq)}` +
    `,"severity":${str(entry.severity)}` +
    `,"target":${t === null ? 'null' : `{"id":${str(t.id)},"type":${str(t.type)}}`}` +
    `,"time":${canonicalJson(entry.time)},"v":1}`
  );
}

/** The slow, obviously right form of canonicalRecord, for tests. */
export function canonicalRecordReference(seq: number, entry: AuditEntry): string {
  return canonicalJson({
    v: 1,
    seq,
    id: entry.id,
    time: entry.time,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    outcome: entry.outcome,
    severity: entry.severity,
    environment: entry.environment,
    requestId: entry.requestId,
    risk: entry.risk,
    details: entry.details,
  });
}

// Reused input buffer for recordHash: one-shot `crypto.hash` over (previous hash bytes ||
// record) costs half of a createHash/update/update/digest sequence for records this size,
// and nothing is allocated per record. Single-threaded use only, never held across an await.
let scratch = Buffer.allocUnsafe(8192);

/** `SHA-256(previous hash bytes || UTF-8 canonical record)`, hex. */
export function recordHash(
  previousHash: string,
  seq: number,
  entry: AuditEntry,
  detailsJson?: string,
): string {
  const record = canonicalRecord(seq, entry, detailsJson);
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const needed = previousHash.length + record.length * 3;
  if (needed > scratch.length) scratch = Buffer.allocUnsafe(Math.max(needed, scratch.length * 2));
  // A stored hash that is not 64 hex digits (tampering) is decoded as Buffer.from would
  // decode it, so verification reports a mismatch rather than failing.
  const prefix =
    previousHash.length === 64
      ? scratch.write(previousHash, 0, 32, 'hex')
      : Buffer.from(previousHash, 'hex').copy(scratch, 0);
  const length = prefix + scratch.write(record, prefix, 'utf8');
  return hash('sha256', scratch.subarray(0, length), 'hex');
}

/** Numbers and hashes `entries` as the records following `(seq, hash)`. */
export function chainEntries(
  head: { seq: number; hash: string },
  entries: readonly AuditEntry[],
): AuditRecord[] {
  let { seq, hash } = head;
  return entries.map((entry) => {
    seq += 1;
    const detailsJson = canonicalJson(entry.details);
    hash = recordHash(hash, seq, entry, detailsJson);
    // An explicit literal rather than a spread: one object shape, on the hot path.
    return {
      seq,
      id: entry.id,
      time: entry.time,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      severity: entry.severity,
      environment: entry.environment,
      requestId: entry.requestId,
      risk: entry.risk,
      details: entry.details,
      hash,
      detailsJson,
    };
  });
}
