export type IncidentSeverity = 'low' | 'medium' | 'high' | 'critical';
export type IncidentStatus = 'open' | 'acknowledged' | 'contained' | 'resolved';
export type TimelineKind = 'signal' | 'action' | 'notification' | 'note' | 'status';

export interface Incident {
  id: string;
  title: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  /** `detector:key` for incidents opened by responses: later signals of that key join it. */
  key: string | null;
  /** `system:responses` or the account id of the operator who opened it. */
  openedBy: string;
  /** When the attack began (its first evidence); the opening time for incidents opened by hand. */
  startedAt: number;
  openedAt: number;
  acknowledgedAt: number | null;
  containedAt: number | null;
  resolvedAt: number | null;
  updatedAt: number;
}

export interface TimelineEntry {
  id: string;
  incidentId: string;
  time: number;
  kind: TimelineKind;
  summary: string;
  /** Who: an account id, `system:responses`, `system:alerts`. */
  actor: string | null;
  data: Record<string, unknown>;
}

export interface IncidentQuery {
  limit: number;
  status?: IncidentStatus;
  /** Opened at or after / before these instants. */
  from?: number;
  to?: number;
}

/** Incidents and their timelines (the port; SQL adapter in storage/sql). */
export interface IncidentStore {
  create(incident: Incident, entries: readonly TimelineEntry[]): Promise<void>;
  find(id: string): Promise<Incident | undefined>;
  /** The newest incident with `key` that is not resolved. */
  findUnresolvedByKey(key: string): Promise<Incident | undefined>;
  list(query: IncidentQuery): Promise<Incident[]>;
  /**
   * Writes `next` (status and times) only while the stored status is still `expected`:
   * concurrent transitions cannot both win. Resolves false when it changed meanwhile.
   */
  update(next: Incident, expected: IncidentStatus): Promise<boolean>;
  addEntry(entry: TimelineEntry): Promise<void>;
  timeline(incidentId: string): Promise<TimelineEntry[]>;
}
