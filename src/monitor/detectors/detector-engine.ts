import { type DetectorName, detectorNames } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import type { EventBus, EventPublisher } from '../../events/event-bus.js';
import type { SecurityEvent, SecurityEventType } from '../../events/security-event.js';
import type { CounterStore, ExpiringSetStore } from '../../storage/hot-state.js';
import type { JobRunner } from '../core/job-tracker.js';
import { compileRules, type Observation, type SignalSubject } from './detector-rules.js';

export type SignalSeverity = 'low' | 'medium' | 'high' | 'critical';

/** What a `detector.signal` event carries in its details. */
export interface DetectorSignal {
  detector: DetectorName;
  severity: SignalSeverity;
  key: string;
  evidence: SignalSubject & {
    count: number;
    threshold: number;
    windowSeconds: number;
    firstSeenAt: number;
    lastSeenAt: number;
    eventIds: string[];
    eventTypes: string[];
  };
}

interface Limits {
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
interface KeyState {
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

const maxEvidenceIds = 10;
const maxLocalKeys = 100_000;

export interface DetectorEngineOptions {
  config: Pick<RampartConfig, 'detectors'>;
  counters: CounterStore;
  sets: ExpiringSetStore;
  events: EventPublisher;
  onError: (error: unknown) => void;
  /** Counts each flush to the hot store as a `detector_flush` job. */
  jobs?: JobRunner;
  now?: () => number;
}

/**
 * The security detectors: every event on the bus is turned into observations (see
 * detector-rules.ts) and counted in a sliding window per detector and key.
 *
 * Counting is cluster-global: the counts live in the hot store (Redis in a cluster), so
 * two nodes each seeing half of an attack see one attacker. The in-process part is the
 * fast path: the bus handler only adds to the key's local state and returns at once
 * (publishers never wait on detection); a flush on the next turn of the event loop sends
 * one increment per key, however many events arrived in between, and skips keys that
 * already fired this window. The window is the usual sliding-window counter: the current
 * bucket plus the previous one weighted by how much of it still overlaps the window. A
 * key fires once per window cluster-wide: the first node to add the key to the hot
 * store's fired set publishes the signal.
 */
export class DetectorEngine {
  readonly #o: DetectorEngineOptions;
  readonly #now: () => number;
  readonly #rules: Map<SecurityEventType, ((e: SecurityEvent, out: Observation[]) => void)[]>;
  /** Per detector: key → state (nested rather than joined, so no string is built per event). */
  readonly #detectors = new Map<DetectorName, { limits: Limits; keys: Map<string, KeyState> }>();
  #queue: KeyState[] = [];
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  readonly #scratch: Observation[] = [];
  #observed = 0;
  #signals = 0;

  constructor(options: DetectorEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const d = options.config.detectors;
    const enabled = new Set<DetectorName>();
    for (const name of detectorNames) {
      const c = d[name];
      if (!d.enabled || !c.enabled) continue;
      enabled.add(name);
      this.#detectors.set(name, {
        limits: { threshold: c.threshold, windowMs: c.window * 1000, severity: c.severity },
        keys: new Map(),
      });
    }
    this.#rules = compileRules(enabled, d.offHoursAdmin);
  }

  /** Subscribes to the bus; returns the unsubscribe. */
  attach(bus: EventBus): () => void {
    const sub = bus.subscribe('detectors', (event) => {
      this.observe(event);
    });
    return () => sub.unsubscribe();
  }

  /** Counters for tests and the benchmark. */
  stats(): { observed: number; signals: number; pendingKeys: number } {
    return { observed: this.#observed, signals: this.#signals, pendingKeys: this.#queue.length };
  }

  #state(obs: Observation, time: number): KeyState | undefined {
    const d = this.#detectors.get(obs.detector);
    if (d === undefined) return undefined;
    const { limits } = d;
    let k = d.keys.get(obs.key);
    if (k === undefined) {
      // Bounded: forgetting local state only costs a hot-store round trip or two.
      if (d.keys.size >= maxLocalKeys) d.keys = new Map();
      k = {
        base: `det:${obs.detector}:${obs.key}`,
        bucketKey: '',
        bucket: -1,
        limits,
        obs,
        weight: 0,
        queued: false,
        members: obs.member === undefined ? undefined : new Set(),
        firstSeenAt: time,
        lastSeenAt: time,
        firedUntil: 0,
        prevBucket: -1,
        prevCount: 0,
        eventIds: [],
        evidenceCount: 0,
        eventTypes: [],
        typeCount: 0,
      };
      d.keys.set(obs.key, k);
    }
    return k;
  }

  /** The hot-store key of `bucket` for `k` (built once per bucket). */
  #bucketKey(k: KeyState, bucket: number): string {
    if (k.bucket !== bucket) {
      k.bucket = bucket;
      k.bucketKey = `${k.base}:${bucket}`;
    }
    return k.bucketKey;
  }

  /** Synchronous: adds the event's observations to their keys and schedules a flush. */
  observe(event: SecurityEvent): void {
    const rules = this.#rules.get(event.type);
    if (!rules) return;
    const out = this.#scratch;
    out.length = 0;
    for (const rule of rules) rule(event, out);
    if (out.length === 0) return;
    this.#observed++;
    const now = this.#now();
    for (const obs of out) {
      const k = this.#state(obs, event.time);
      if (k === undefined || k.firedUntil > now) continue;
      const { limits } = k;
      if (!k.queued) {
        k.queued = true;
        k.obs = obs;
        k.evidenceCount = 0;
        k.typeCount = 0;
        if (k.lastSeenAt < event.time - limits.windowMs) k.firstSeenAt = event.time;
        this.#queue.push(k);
      }
      k.weight += obs.weight;
      if (obs.member !== undefined) k.members?.add(obs.member);
      k.lastSeenAt = event.time;
      if (k.evidenceCount < maxEvidenceIds) k.eventIds[k.evidenceCount++] = event.id;
      if (k.typeCount === 0 || k.eventTypes[k.typeCount - 1] !== event.type) {
        if (!k.eventTypes.slice(0, k.typeCount).includes(event.type)) {
          k.eventTypes[k.typeCount++] = event.type;
        }
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      // One flush at a time: events arriving meanwhile wait for the next one.
      if (this.#flushing !== undefined) {
        this.#flushing.then(
          () => this.#schedule(),
          () => this.#schedule(),
        );
        return;
      }
      const flush = () => this.#flush();
      this.#flushing = (this.#o.jobs ? this.#o.jobs.track('detector_flush', flush) : flush())
        .catch(this.#o.onError)
        .finally(() => {
          this.#flushing = undefined;
        });
    });
  }

  /** Resolves once everything observed so far has been counted (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.#scheduled || this.#flushing !== undefined || this.#queue.length > 0) {
      if (this.#flushing !== undefined) await this.#flushing;
      else if (this.#queue.length > 0 && !this.#scheduled) this.#schedule();
      else await new Promise((resolve) => setImmediate(resolve));
    }
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

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const { incrementNow, getNow } = this.#o.counters;
    const { addNow } = this.#o.sets;
    if (incrementNow && getNow && addNow) {
      // The hot store is in this process: count without a promise per key.
      const signals: Promise<void>[] = [];
      for (const k of batch) {
        const count = this.#countNow(k, incrementNow, getNow, addNow);
        if (count !== undefined) signals.push(this.#signal(k, count).catch(this.#o.onError));
      }
      if (signals.length > 0) await Promise.all(signals);
      return;
    }
    await Promise.all(batch.map((k) => this.#count(k).catch(this.#o.onError)));
  }

  /** The sliding-window estimate: this bucket plus the overlapping part of the previous. */
  #estimate(k: KeyState, bucket: number, current: number, previous: number, now: number): number {
    k.prevBucket = bucket - 1;
    k.prevCount = previous;
    const { windowMs } = k.limits;
    const overlap = 1 - (now - bucket * windowMs) / windowMs;
    return current + Math.floor(previous * overlap);
  }

  #countNow(
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
    const now = this.#now();
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
    this.#signals++;
    return estimate;
  }

  async #count(k: KeyState): Promise<void> {
    const { windowMs, threshold } = k.limits;
    let { weight, members } = this.#take(k);
    if (members) {
      // Distinct counting: only members first seen in this window add to the count.
      const firsts = await Promise.all(
        members.map((m) => this.#o.sets.add(`${k.base}:m:${m}`, windowMs)),
      );
      weight = firsts.filter(Boolean).length;
    }
    if (weight === 0) return;
    const now = this.#now();
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
    if (estimate < threshold) return;
    k.firedUntil = now + windowMs;
    // Once per window and key across the cluster: the first node to claim it signals.
    if (!(await this.#o.sets.add(`${k.base}:fired`, windowMs))) return;
    this.#signals++;
    await this.#signal(k, estimate);
  }

  async #signal(k: KeyState, count: number): Promise<void> {
    const { limits } = k;
    const s = k.obs.subject;
    const details: DetectorSignal = {
      detector: k.obs.detector,
      severity: limits.severity,
      key: k.obs.key,
      evidence: {
        ...s,
        count,
        threshold: limits.threshold,
        windowSeconds: limits.windowMs / 1000,
        firstSeenAt: k.firstSeenAt,
        lastSeenAt: k.lastSeenAt,
        eventIds: k.eventIds.slice(0, k.evidenceCount),
        eventTypes: k.eventTypes.slice(0, k.typeCount),
      },
    };
    await this.#o.events.publish({
      type: 'detector.signal',
      outcome: 'failure',
      severity:
        limits.severity === 'critical' || limits.severity === 'high' ? 'critical' : 'warning',
      actor: s.accountId
        ? { kind: 'user', id: s.accountId, ...(s.ip ? { ip: s.ip } : {}) }
        : { kind: 'anonymous', ...(s.ip ? { ip: s.ip } : {}) },
      target: { type: 'detector', id: k.obs.detector },
      details: details as unknown as Record<string, unknown>,
    });
  }
}
