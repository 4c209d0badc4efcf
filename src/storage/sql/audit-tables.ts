import type { Kysely } from 'kysely';
import type { Database } from '../database-schema.js';

/**
 * Kysely table types of migration 0030 (the audit trail): the events, the single
 * chain-head row appends lock, and the signed checkpoints.
 *
 * @example
 * const db: AuditDb = kysely.withTables<AuditTables>();
 */

export type AuditEventsTable = {
  seq: number;
  id: string;
  time: number;
  actor_kind: string;
  actor_id: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  actor_api_key_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  severity: string;
  environment: string;
  request_id: string | null;
  risk: number;
  details: string;
  hash: string;
};

export interface AuditChainHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditCheckpointsTable {
  id: string;
  seq: number;
  hash: string;
  time: number;
  kind: string;
  key_id: string;
  public_key: string;
  signature: string;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible type.
export type AuditTables = {
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
};

export type AuditDb = Kysely<Database & AuditTables>;
