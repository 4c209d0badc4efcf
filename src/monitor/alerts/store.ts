import type {
  AlertInstance,
  AlertNotification,
  AlertRule,
  AlertSeverity,
  NotificationStatus,
  Silence,
} from './core/alert-rule.js';

/** One entry of the alert history: a transition of one alert. */
export interface AlertHistoryEntry {
  id: string;
  fingerprint: string;
  ruleId: string;
  ruleName: string;
  severity: AlertSeverity;
  labels: Readonly<Record<string, string>>;
  state: 'pending' | 'firing' | 'resolved';
  value: number;
  silenced: boolean;
  notified: boolean;
  time: number;
}

export interface AlertHistoryQuery {
  ruleId?: string;
  fingerprint?: string;
  state?: AlertHistoryEntry['state'];
  severity?: AlertSeverity;
  since?: number;
  until?: number;
  /** Entries with an id below this one (ids are time-ordered): the cursor. */
  beforeId?: string;
  limit: number;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'refused';

/** One delivery of one notification to one channel, with its outcome. */
export interface DeliveryRecord {
  id: string;
  notificationId: string;
  /** The delivery id the receiver saw (X-Rampart-Delivery); null on records before it existed. */
  deliveryId: string | null;
  fingerprint: string;
  channel: string;
  status: NotificationStatus;
  test: boolean;
  outcome: DeliveryOutcome;
  attempts: number;
  /** Why it failed: a short reason, never a secret or a response body. */
  error: string | null;
  startedAt: number;
  durationMs: number;
}

export interface DeliveryQuery {
  channel?: string;
  outcome?: DeliveryOutcome;
  fingerprint?: string;
  beforeId?: string;
  limit: number;
}

export type ChannelType = 'email' | 'slack' | 'webhook' | 'alertmanager';

/** A channel as stored: its settings (which hold secrets) are sealed at rest. */
export interface StoredChannel {
  id: string;
  name: string;
  type: ChannelType;
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type OutboxState = 'pending' | 'delivered' | 'failed';

/**
 * One notification to one channel, written before it is sent. `id` is the delivery id
 * (the idempotency key receivers see); a pending row whose claim ran out is sent again.
 */
export interface OutboxEntry {
  id: string;
  channel: string;
  notification: AlertNotification;
  state: OutboxState;
  /** Delivery runs started. */
  attempts: number;
  /** When the row may be claimed: its creation, or the end of the current claim (lease). */
  nextAttemptAt: number;
  createdAt: number;
}

/** The alert manager's persistence: API rules, channels, silences, alert state, history, deliveries. */
export interface AlertStore {
  listRules(): Promise<AlertRule[]>;
  insertRule(rule: AlertRule): Promise<void>;
  updateRule(rule: AlertRule): Promise<boolean>;
  deleteRule(id: string): Promise<boolean>;

  listChannels(): Promise<StoredChannel[]>;
  insertChannel(channel: StoredChannel): Promise<void>;
  updateChannel(channel: StoredChannel): Promise<boolean>;
  deleteChannel(id: string): Promise<boolean>;

  listSilences(): Promise<Silence[]>;
  insertSilence(silence: Silence): Promise<void>;
  updateSilence(silence: Silence): Promise<boolean>;
  deleteSilence(id: string): Promise<boolean>;

  listInstances(): Promise<AlertInstance[]>;
  /**
   * Writes `next` if the stored version is still `next.version - 1` (or, for version 1,
   * if there is none): of two nodes writing one change, exactly one wins.
   */
  saveInstance(next: AlertInstance): Promise<boolean>;
  /**
   * `saveInstance` and, in the same transaction when it wins, the notifications it causes:
   * the alert change and what must be sent for it are persisted together or not at all.
   */
  saveInstanceWithOutbox(next: AlertInstance, outbox: readonly OutboxEntry[]): Promise<boolean>;
  deleteInstance(fingerprint: string, version: number): Promise<void>;

  appendHistory(entry: AlertHistoryEntry): Promise<void>;
  queryHistory(query: AlertHistoryQuery): Promise<AlertHistoryEntry[]>;

  recordDelivery(record: DeliveryRecord): Promise<void>;
  /** Deletes history entries and delivery records older than `before` (ms). */
  pruneHistory(before: number): Promise<void>;
  queryDeliveries(query: DeliveryQuery): Promise<DeliveryRecord[]>;

  /** Pending rows whose claim (if any) ended by `now`, oldest first. */
  dueOutbox(now: number, limit: number): Promise<OutboxEntry[]>;
  /**
   * Claims a pending row for `holder` until `until` (one run more) if it is due, has had
   * fewer than `maxRuns` runs and no older row of its channel and alert is still pending
   * (a firing is sent before its resolved). Of concurrent claimers, at most one wins.
   */
  claimOutbox(
    id: string,
    holder: string,
    now: number,
    until: number,
    maxRuns: number,
  ): Promise<boolean>;
  /**
   * Moves the end of `holder`'s claim on a pending row to `until` (its run is still alive).
   * False when the row is no longer pending or another holder claimed it since: a node that
   * lost its claim never extends the claim of the node that took the row over.
   */
  renewOutbox(id: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Ends a row claimed by `holder` (delivered or failed); a pending row for `holder: null`. */
  completeOutbox(
    id: string,
    holder: string | null,
    state: 'delivered' | 'failed',
    now: number,
  ): Promise<boolean>;
  /** Deletes delivered and failed rows last changed before `before` (ms). */
  pruneOutbox(before: number): Promise<void>;
}
