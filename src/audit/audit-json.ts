import type { AuditRecord } from './core/audit-record.js';
import type { ChainVerification } from './core/chain-verifier.js';
import type { AuditCheckpoint } from './core/checkpoint-signer.js';

/** A record as the API shows it (snake_case, ISO time). */
export function auditEventJson(r: AuditRecord) {
  return {
    seq: r.seq,
    id: r.id,
    time: new Date(r.time).toISOString(),
    actor: {
      kind: r.actor.kind,
      id: r.actor.id,
      ip: r.actor.ip,
      user_agent: r.actor.userAgent,
      api_key_id: r.actor.apiKeyId,
    },
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    severity: r.severity,
    environment: r.environment,
    request_id: r.requestId,
    risk: r.risk,
    details: r.details,
    hash: r.hash,
  };
}

export function checkpointJson(c: AuditCheckpoint) {
  return {
    id: c.id,
    seq: c.seq,
    hash: c.hash,
    time: new Date(c.time).toISOString(),
    time_ms: c.time,
    kind: c.kind,
    key_id: c.keyId,
    public_key: c.publicKey,
    signature: c.signature,
  };
}

export function verificationJson(v: ChainVerification) {
  return {
    ok: v.ok,
    checked: v.checked,
    last_seq: v.lastSeq,
    last_checkpoint_seq: v.lastCheckpointSeq ?? null,
    anchor_seq: v.anchorSeq ?? null,
    first_bad_seq: v.firstBadSeq ?? null,
    problem: v.problem ?? null,
  };
}

/** One line of `rampart audit verify` output. */
export function describeVerification(v: ChainVerification): string {
  if (v.ok)
    return `audit chain intact: ${v.checked} records through seq ${v.lastSeq}${
      v.lastCheckpointSeq !== undefined ? `, last checkpoint at seq ${v.lastCheckpointSeq}` : ''
    }${v.anchorSeq !== undefined ? `, starting after retention anchor ${v.anchorSeq}` : ''}`;
  return `audit chain BROKEN at seq ${v.firstBadSeq}: ${v.problem} (${v.checked} records verified before it)`;
}
