import type { AlertInstance, AlertRuleDefinition } from './alert-rule.js';

export interface AlertStepInput {
  /** Whether the rule's condition holds for this alert now. */
  active: boolean;
  value: number;
  now: number;
  silenced: boolean;
}

export type AlertTransition = 'pending' | 'firing' | 'resolved';

export interface AlertStep {
  /**
   * The state to persist; `previous` itself when nothing changed (no write); undefined:
   * forget the alert (nothing left to remember).
   */
  next: AlertInstance | undefined;
  transition?: AlertTransition;
  /** The notification to send after `next` is persisted. */
  notify?: 'firing' | 'resolved';
}

type Timing = Pick<AlertRuleDefinition, 'for' | 'cooldown' | 'repeatInterval'>;

/**
 * One evaluation of one alert: inactive → pending → firing (after `for`) → resolved.
 * A firing alert is notified unless silenced or within `cooldown` of the previous firing
 * notification (a flapping alert stays quiet); a notified firing gets exactly one
 * resolved notification; a silenced or suppressed one gets none.
 */
export function stepAlert(rule: Timing, previous: AlertInstance, input: AlertStepInput): AlertStep {
  const { now } = input;
  const base: AlertInstance = { ...previous, value: input.value, version: previous.version + 1 };
  const mayNotify = () =>
    !input.silenced &&
    (previous.lastNotifiedAt === null || now - previous.lastNotifiedAt >= rule.cooldown * 1000);

  if (!input.active) {
    if (previous.state === 'firing') {
      const next: AlertInstance = {
        ...base,
        state: 'inactive',
        activeSince: null,
        firedAt: null,
        notified: false,
      };
      return previous.notified
        ? { next, transition: 'resolved', notify: 'resolved' }
        : { next, transition: 'resolved' };
    }
    if (previous.state === 'pending') {
      return { next: { ...base, state: 'inactive', activeSince: null } };
    }
    // Inactive: remembered only while its cooldown runs.
    const cooling =
      previous.lastNotifiedAt !== null && now - previous.lastNotifiedAt < rule.cooldown * 1000;
    return { next: cooling ? previous : undefined };
  }

  if (previous.state === 'firing') {
    if (!previous.notified) {
      if (!mayNotify()) return { next: previous };
      return {
        next: { ...base, notified: true, lastNotifiedAt: now },
        notify: 'firing',
      };
    }
    const repeatDue =
      rule.repeatInterval > 0 &&
      previous.lastNotifiedAt !== null &&
      now - previous.lastNotifiedAt >= rule.repeatInterval * 1000 &&
      !input.silenced;
    // Unchanged: no write (the stored value is the one of the last change).
    return repeatDue
      ? { next: { ...base, lastNotifiedAt: now }, notify: 'firing' }
      : { next: previous };
  }

  const activeSince = previous.state === 'pending' ? (previous.activeSince ?? now) : now;
  if (now - activeSince >= rule.for * 1000) {
    const notify = mayNotify();
    const next: AlertInstance = {
      ...base,
      state: 'firing',
      activeSince,
      firedAt: now,
      notified: notify,
      lastNotifiedAt: notify ? now : previous.lastNotifiedAt,
    };
    return notify
      ? { next, transition: 'firing', notify: 'firing' }
      : { next, transition: 'firing' };
  }
  if (previous.state === 'pending') return { next: previous };
  return { next: { ...base, state: 'pending', activeSince }, transition: 'pending' };
}

/** A fresh, inactive alert for a rule and a label set. */
export function newAlertInstance(
  fingerprint: string,
  ruleId: string,
  labels: Readonly<Record<string, string>>,
): AlertInstance {
  return {
    fingerprint,
    ruleId,
    labels,
    state: 'inactive',
    activeSince: null,
    firedAt: null,
    notified: false,
    lastNotifiedAt: null,
    value: 0,
    version: 0,
  };
}
