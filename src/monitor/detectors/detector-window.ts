import type { CounterStore, ExpiringSetStore } from '../../storage/hot-state.js';
import type { Observation } from './detector-rules.js';
import type { SignalSeverity } from './detector-signal.js';

export interface Limits {
  threshold: number;
  windowMs: number;
  severity: SignalSeverity;
}

/**
 * What this process knows of one detector key: the events gathered since the last
 * flush, when it first saw the key in the current window, whether the key fired, and
 * the previous bucket's count. One object per key, reused from flush to flush, so a
 * busy detector allocates next to nothing per event.
 */
export interface KeyState {
  base: string;
  /** The hot-store key of the current bucket, and which bucket that is. */
  bucketKey: string;
  bucket: number;
  limits: Limits;
  obs: Observation;
  /** Weight gathered since the last flush (0 when not queued). */
  weight: number;
  queued: boolean;
  members: Set<string> | undefined;
  firstSeenAt: number;
  lastSeenAt: number;
  firedUntil: number;
  prevBucket: number;
  prevCount: number;
  /** The first events of the batch (evidence); `evidenceCount` of them are current. */
  eventIds: string[];
  evidenceCount: number;
  eventTypes: string[];
  typeCount: number;
}

export interface DetectorWindowOptions {
  counters: CounterStore;
  sets: ExpiringSetStore;
  now: () => number;
}

/**
 * Counting one detector key in the hot store: the sliding-window counter (the current
 * bucket plus the previous one weighted by how much of it still overlaps the window),
 * distinct counting of members, and the once-per-window claim in the fired set. Both
 * ways answer with the estimate when this node claimed the key's firing, undefined
 * otherwise: `countNow` when the hot store is in this process (no promise per key),
 * `count` over the asynchronous store.
 *
 * @example
 * const window = new DetectorWindow({ counters, sets, now: Date.now });
 * const estimate = await window.count(k);
 * if (estimate !== undefined) await events.publish(signalEvent(k, estimate));
 */
export class DetectorWindow {
  readonly #o: DetectorWindowOptions;

  constructor(options: DetectorWindowOptions) {
    this.#o = options;
  }

  /** The hot-store key of `bucket` for `k` (built once per bucket). */
  #bucketKey(k: KeyState, bucket: number): string {
    if (k.bucket !== bucket) {
      k.bucket = bucket;
      k.bucketKey = `${k.base}:${bucket}`;
    }
    return k.bucketKey;
  }

  /** Takes the key's gathered weight off the queue. */
  #take(k: KeyState): { weight: number; members: string[] | undefined } {
    const taken = {
      weight: k.weight,
      members: k.members && k.members.size > 0 ? [...k.members] : undefined,
    };
    k.weight = 0;
    k.queued = false;
    k.members?.clear();
    return taken;
  }

  /**
   * The sliding-window estimate: this bucket plus the overlapping part of the previous,
   * rounded to the nearest event. Rounded down, it lost up to one event: a burst of exactly
   * `threshold` events that crossed a bucket boundary (two just before, three just after:
   * 3 + ⌊2 × 0.99⌋ = 4) never fired, and an attacker who knew the boundaries could count
   * on it.
   */
  #estimate(k: KeyState, bucket: number, current: number, previous: number, now: number): number {
    k.prevBucket = bucket - 1;
    k.prevCount = previous;
    const { windowMs } = k.limits;
    const overlap = 1 - (now - bucket * windowMs) / windowMs;
    return current + Math.round(previous * overlap);
  }

  /** Counts `k` against a hot store in this process, without a promise. */
  countNow(
    k: KeyState,
    incrementNow: NonNullable<CounterStore['incrementNow']>,
    getNow: NonNullable<CounterStore['getNow']>,
    addNow: NonNullable<ExpiringSetStore['addNow']>,
  ): number | undefined {
    const { windowMs, threshold } = k.limits;
    let weight = k.weight;
    k.weight = 0;
    k.queued = false;
    if (k.members) {
      weight = 0;
      for (const m of k.members) if (addNow(`${k.base}:m:${m}`, windowMs)) weight++;
      k.members.clear();
    }
    if (weight === 0) return undefined;
    const now = this.#o.now();
    let estimate = weight;
    if (threshold > 1) {
      const bucket = Math.floor(now / windowMs);
      estimate = incrementNow(this.#bucketKey(k, bucket), windowMs * 2, weight).count;
      if (estimate < threshold) {
        const previous =
          k.prevBucket === bucket - 1 ? k.prevCount : getNow(`${k.base}:${bucket - 1}`);
        estimate = this.#estimate(k, bucket, estimate, previous, now);
      }
    }
    if (estimate < threshold) return undefined;
    k.firedUntil = now + windowMs;
    if (!addNow(`${k.base}:fired`, windowMs)) return undefined;
    return estimate;
  }

  /** Counts `k` against the hot store. */
  async count(k: KeyState): Promise<number | undefined> {
    const { windowMs, threshold } = k.limits;
    let { weight, members } = this.#take(k);
    if (members) {
      // Distinct counting: only members first seen in this window add to the count.
      const firsts = await Promise.all(
        members.map((m) => this.#o.sets.add(`${k.base}:m:${m}`, windowMs)),
      );
      weight = firsts.filter(Boolean).length;
    }
    if (weight === 0) return undefined;
    const now = this.#o.now();
    let estimate = weight;
    // A threshold of 1 (replays, refresh reuse, leaked keys) needs no counting: any
    // event fires, so straight to the once-per-window claim.
    if (threshold > 1) {
      const bucket = Math.floor(now / windowMs);
      const current = await this.#o.counters.increment(
        this.#bucketKey(k, bucket),
        windowMs * 2,
        weight,
      );
      estimate = current.count;
      if (estimate < threshold) {
        const previous =
          k.prevBucket === bucket - 1
            ? k.prevCount
            : await this.#o.counters.get(`${k.base}:${bucket - 1}`);
        estimate = this.#estimate(k, bucket, estimate, previous, now);
      }
    }
    if (estimate < threshold) return undefined;
    k.firedUntil = now + windowMs;
    // Once per window and key across the cluster: the first node to claim it signals.
    if (!(await this.#o.sets.add(`${k.base}:fired`, windowMs))) return undefined;
    return estimate;
  }
}
