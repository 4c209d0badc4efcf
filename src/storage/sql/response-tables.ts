/** Kysely table types of migration 0052 (automated responses and incidents). */
export interface ResponseActionsTable {
  id: string;
  signal_id: string | null;
  incident_id: string | null;
  detector: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  status: string;
  /** 0 or 1 (SQLite has no boolean). */
  reversible: number;
  detail: string;
  created_at: number;
  reverted_at: number | null;
  reverted_by: string | null;
}

export interface IncidentsTable {
  id: string;
  title: string;
  severity: string;
  status: string;
  key: string | null;
  opened_by: string;
  started_at: number;
  opened_at: number;
  acknowledged_at: number | null;
  contained_at: number | null;
  resolved_at: number | null;
  updated_at: number;
}

export interface IncidentTimelineTable {
  id: string;
  incident_id: string;
  time: number;
  kind: string;
  summary: string;
  actor: string | null;
  data: string;
}

export interface MfaRequirementsTable {
  account_id: string;
  reason: string;
  created_at: number;
}

export interface ResponseTables {
  response_actions: ResponseActionsTable;
  incidents: IncidentsTable;
  incident_timeline: IncidentTimelineTable;
  mfa_requirements: MfaRequirementsTable;
}
