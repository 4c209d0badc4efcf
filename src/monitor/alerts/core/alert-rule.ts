/** Alert rules, silences and alert instances: the shapes every part of the alert manager shares. */

export const alertSeverities = ['low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];
export type Aggregation = 'rate' | 'avg' | 'max' | 'count';
export type Operator = 'gt' | 'gte' | 'lt' | 'lte' | 'eq';

/** A metric of this instance's Prometheus registry, summed over the series matching `labels`. */
export interface MetricSource {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * `detector.signal` events whose labels (`detector`, `severity`, `key`) match. avg and max
 * read the numeric evidence field `field` (default `count`; 1 when absent).
 */
export interface SignalSource {
  labels: Readonly<Record<string, string>>;
  field?: string;
}

export interface AlertRuleDefinition {
  name: string;
  /** Exactly one of `metric` and `signal`. */
  metric?: MetricSource;
  signal?: SignalSource;
  aggregation: Aggregation;
  /** Seconds of data the aggregation looks at. */
  window: number;
  operator: Operator;
  threshold: number;
  /** Seconds the condition must hold before the alert fires (0: at once). */
  for: number;
  severity: AlertSeverity;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** Channel names to notify. */
  channels: readonly string[];
  /** Least seconds between two firing notifications of one alert (flapping). */
  cooldown: number;
  /** Seconds after which a still-firing alert is notified again; 0 never. */
  repeatInterval: number;
  /** Labels that split the rule into one alert per distinct value set. */
  groupBy: readonly string[];
  enabled: boolean;
}

export interface AlertRule extends AlertRuleDefinition {
  id: string;
  /** Where the rule comes from: the config file (read-only) or the API. */
  origin: 'config' | 'api';
  createdAt: number;
  updatedAt: number;
}

export type MatcherOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatcherOp;
  value: string;
}

export interface Silence {
  id: string;
  matchers: readonly LabelMatcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string | null;
  createdAt: number;
}

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One alert (a rule and one value set of its groupBy labels), as persisted between evaluations. */
export interface AlertInstance {
  fingerprint: string;
  ruleId: string;
  labels: Readonly<Record<string, string>>;
  state: AlertState;
  /** When the condition began to hold (pending or firing). */
  activeSince: number | null;
  /** When it went to firing. */
  firedAt: number | null;
  /** Whether the current firing was notified (so its resolution is notified too). */
  notified: boolean;
  /** When a firing notification last went out (cooldown and repeat interval). */
  lastNotifiedAt: number | null;
  value: number;
  /** Bumped by every write: an update with a stale version loses (one writer per change). */
  version: number;
}

export type NotificationStatus = 'firing' | 'resolved';

/** What a channel receives. */
export interface AlertNotification {
  id: string;
  status: NotificationStatus;
  fingerprint: string;
  ruleId: string;
  ruleName: string;
  severity: AlertSeverity;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  value: number;
  threshold: number;
  startsAt: number;
  endsAt: number | null;
  /** Sent by the channel test endpoint, not by a rule. */
  test?: boolean;
  /** Why a resolved notification was sent other than by its condition clearing ("rule disabled"). */
  reason?: string;
}
