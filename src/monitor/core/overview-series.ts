import type { SecurityEventType } from '../../events/security-event.js';

/** What the overview counts per minute. */
export interface OverviewCounts {
  requests: number;
  /** Responses with a 5xx status. */
  errors: number;
  /** Seconds summed over every answered request, and how many (for the mean latency). */
  latencySum: number;
  latencyCount: number;
  loginsSucceeded: number;
  loginsFailed: number;
  rateLimited: number;
  /** Requests refused by an IP rule or ban. */
  blocked: number;
}

export type OverviewWindow = '1h' | '24h' | '7d';

/** The window's length and the width of one point, in minutes. */
export const overviewWindows: Readonly<Record<OverviewWindow, { minutes: number; step: number }>> =
  Object.freeze({
    '1h': { minutes: 60, step: 1 },
    '24h': { minutes: 24 * 60, step: 15 },
    '7d': { minutes: 7 * 24 * 60, step: 120 },
  });

const retainedMinutes = overviewWindows['7d'].minutes;
const minuteMs = 60_000;

function emptyCounts(): OverviewCounts {
  return {
    requests: 0,
    errors: 0,
    latencySum: 0,
    latencyCount: 0,
    loginsSucceeded: 0,
    loginsFailed: 0,
    rateLimited: 0,
    blocked: 0,
  };
}

const eventFields: Partial<Record<SecurityEventType, keyof OverviewCounts>> = {
  'auth.login.succeeded': 'loginsSucceeded',
  'auth.login.failed': 'loginsFailed',
  'auth.mfa.failed': 'loginsFailed',
  'ratelimit.exceeded': 'rateLimited',
  'ip.blocked': 'blocked',
};

export interface OverviewPoint extends OverviewCounts {
  /** Start of the point, ms since the epoch. */
  start: number;
}

/**
 * Per-minute counts of the last week in a ring of minute slots (10,080 small objects):
 * recording is an array index, and a query folds minutes into the window's points.
 * Memory is bounded whatever the traffic.
 */
export class OverviewSeries {
  readonly #slots: (OverviewCounts & { minute: number })[] = [];

  #slot(time: number): OverviewCounts {
    const minute = Math.floor(time / minuteMs);
    const index = minute % retainedMinutes;
    let slot = this.#slots[index];
    if (slot === undefined || slot.minute !== minute) {
      slot = { ...emptyCounts(), minute };
      this.#slots[index] = slot;
    }
    return slot;
  }

  /** Adds HTTP counts observed at `time`. */
  addHttp(
    time: number,
    counts: Pick<OverviewCounts, 'requests' | 'errors' | 'latencySum' | 'latencyCount'>,
  ): void {
    const slot = this.#slot(time);
    slot.requests += counts.requests;
    slot.errors += counts.errors;
    slot.latencySum += counts.latencySum;
    slot.latencyCount += counts.latencyCount;
  }

  /** Counts a security event if the overview shows its kind. */
  countEvent(type: SecurityEventType, time: number): void {
    const field = eventFields[type];
    if (field !== undefined) this.#slot(time)[field] += 1;
  }

  /** The window's points, oldest first, ending with the one that holds `now`. */
  points(window: OverviewWindow, now: number): OverviewPoint[] {
    const { minutes, step } = overviewWindows[window];
    const nowMinute = Math.floor(now / minuteMs);
    const lastStart = nowMinute - (nowMinute % step);
    const count = Math.ceil(minutes / step);
    const points: OverviewPoint[] = [];
    for (let p = count - 1; p >= 0; p--) {
      const startMinute = lastStart - p * step;
      const point: OverviewPoint = { ...emptyCounts(), start: startMinute * minuteMs };
      for (let m = startMinute; m < startMinute + step && m <= nowMinute; m++) {
        if (nowMinute - m >= retainedMinutes) continue;
        const slot = this.#slots[m % retainedMinutes];
        if (slot === undefined || slot.minute !== m) continue;
        point.requests += slot.requests;
        point.errors += slot.errors;
        point.latencySum += slot.latencySum;
        point.latencyCount += slot.latencyCount;
        point.loginsSucceeded += slot.loginsSucceeded;
        point.loginsFailed += slot.loginsFailed;
        point.rateLimited += slot.rateLimited;
        point.blocked += slot.blocked;
      }
      points.push(point);
    }
    return points;
  }
}
