import type { AuditEntry, AuditRecord } from './core/audit-record.js';
import type { AuditCheckpoint } from './core/checkpoint-signer.js';

export interface AuditQuery {
  fromTime?: number;
  toTime?: number;
  actorId?: string;
  actorKind?: string;
  /** An exact event type, or a prefix ending in `*`. */
  action?: string;
  outcome?: string;
  minRisk?: number;
  targetType?: string;
  targetId?: string;
  /** Exclusive bound on seq in the direction of `order`. */
  afterSeq?: number;
  /** Records with seq at most this (an export's snapshot). */
  maxSeq?: number;
  order: 'asc' | 'desc';
  limit: number;
}

export interface AuditActivity {
  total: number;
  failures: number;
  /** Actors with at least `minFailures` failed or denied events. */
  repeatedFailures: { actorId: string; failures: number; lastSeen: number }[];
  /** (actor, IP) pairs first seen inside the window. */
  newIps: { actorId: string; ip: string; firstSeen: number }[];
  /** The most active actors. */
  actors: {
    actorId: string;
    events: number;
    failures: number;
    maxRisk: number;
    ips: number;
    lastSeen: number;
  }[];
}

/** The audit trail's port. Appends are serialised so the chain never forks. */
export interface AuditStore {
  /**
   * Numbers, hashes and stores `entries` after the current chain head in one
   * transaction that holds the chain lock; resolves once committed.
   */
  append(entries: readonly AuditEntry[]): Promise<AuditRecord[]>;
  head(): Promise<{ seq: number; hash: string }>;
  /** Records with seq > afterSeq in ascending order, at most `limit`. */
  readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  query(query: AuditQuery): Promise<AuditRecord[]>;
  /** Aggregates over `[fromTime, toTime)` for the analytics endpoint. */
  activity(fromTime: number, toTime: number, minFailures: number): Promise<AuditActivity>;
  insertCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  /** Every checkpoint, ascending by seq then time. */
  listCheckpoints(): Promise<AuditCheckpoint[]>;
  latestCheckpoint(): Promise<AuditCheckpoint | undefined>;
  /**
   * Deletes the records older than `cutoff` (a prefix of the chain) after storing the
   * anchor `makeAnchor` returns for the last deleted record, in one transaction.
   */
  deleteBefore(
    cutoff: number,
    makeAnchor: (seq: number, hash: string) => AuditCheckpoint,
  ): Promise<{ deleted: number; anchor?: AuditCheckpoint }>;
}
