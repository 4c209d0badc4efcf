import type { HealthStatus } from './core/health.js';

/**
 * One line of the health history: a run of a check (`run`), a check changing state
 * (`check_changed`) or the overall status changing (`status_changed`, where `status` is
 * the health+json form: healthy pass, degraded warn, unhealthy fail).
 */
export interface HealthHistoryEntry {
  /** Time-ordered unique id (UUIDv7). */
  id: string;
  time: number;
  /** The node that ran the check (health.nodeId). */
  nodeId: string;
  kind: 'run' | 'check_changed' | 'status_changed';
  /** The check's name; null for `status_changed`. */
  check: string | null;
  checkType: string | null;
  status: HealthStatus;
  previousStatus: HealthStatus | null;
  observedValue: number | string | boolean | null;
  observedUnit: string | null;
  output: string | null;
  durationMs: number | null;
}

export interface HealthHistoryQuery {
  check?: string;
  nodeId?: string;
  /** Entries at or after this time (ms). */
  since?: number;
  /** Only state changes (of checks and of the overall status). */
  changesOnly?: boolean;
  /** Entries strictly older than this id (the previous page's last id). */
  beforeId?: string;
  limit: number;
}

/** The port for the health history; newest first. */
export interface HealthHistoryStore {
  append(entries: readonly HealthHistoryEntry[]): Promise<void>;
  list(query: HealthHistoryQuery): Promise<HealthHistoryEntry[]>;
  /** Deletes entries older than `time`; resolves with how many. */
  deleteBefore(time: number): Promise<number>;
}
