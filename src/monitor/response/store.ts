import type { ResponseActionName } from '../../config/response-schema.js';

export type ActionStatus = 'executed' | 'dry_run' | 'skipped' | 'failed' | 'reverted';
export type ActionSubjectType = 'ip' | 'account' | 'api_key' | 'system';

/** One action an automated response took (or would have taken, in dry-run mode). */
export interface ResponseActionRecord {
  id: string;
  signalId: string | null;
  incidentId: string | null;
  detector: string | null;
  action: ResponseActionName;
  subjectType: ActionSubjectType | null;
  subjectId: string | null;
  status: ActionStatus;
  reversible: boolean;
  /** What was done and what undoing it needs (ids, durations); never a secret. */
  detail: Record<string, unknown>;
  createdAt: number;
  revertedAt: number | null;
  revertedBy: string | null;
}

export interface ResponseActionQuery {
  limit: number;
  /** Only records created before this instant (paging backwards). */
  before?: number;
  status?: ActionStatus;
}

/** The durable record of automated responses (the port; SQL adapter in storage/sql). */
export interface ResponseStore {
  add(record: ResponseActionRecord): Promise<void>;
  find(id: string): Promise<ResponseActionRecord | undefined>;
  list(query: ResponseActionQuery): Promise<ResponseActionRecord[]>;
  /** Sets the status to reverted, once: false when it was not `executed`. */
  markReverted(id: string, at: number, by: string): Promise<boolean>;
  /** How many `action`s hit `subjectId` (executed or since reverted) after `since`. */
  countSince(action: ResponseActionName, subjectId: string, since: number): Promise<number>;
}

/** "Require MFA at next login": set by responses, honoured by login, lifted by revert. */
export interface MfaRequirementStore {
  require(accountId: string, reason: string, now: number): Promise<void>;
  /** Resolves true when a requirement was removed. */
  clear(accountId: string): Promise<boolean>;
  isRequired(accountId: string): Promise<boolean>;
}
