import { type DetectorName, detectorNames } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import type { EventBus, EventPublisher } from '../../events/event-bus.js';
import type { SecurityEvent, SecurityEventType } from '../../events/security-event.js';
import type { CounterStore, ExpiringSetStore } from '../../storage/hot-state.js';
import type { JobRunner } from '../core/job-tracker.js';
import { compileRules, type Observation } from './detector-rules.js';
import { signalEvent } from './detector-signal.js';
import { DetectorWindow, type KeyState, type Limits } from './detector-window.js';

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
  readonly #window: DetectorWindow;

  constructor(options: DetectorEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#window = new DetectorWindow({
      counters: options.counters,
      sets: options.sets,
      now: this.#now,
    });
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

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const { incrementNow, getNow } = this.#o.counters;
    const { addNow } = this.#o.sets;
    if (incrementNow && getNow && addNow) {
      // The hot store is in this process: count without a promise per key.
      const signals: Promise<void>[] = [];
      for (const k of batch) {
        const count = this.#window.countNow(k, incrementNow, getNow, addNow);
        if (count !== undefined) {
          this.#signals++;
          signals.push(this.#signal(k, count).catch(this.#o.onError));
        }
      }
      if (signals.length > 0) await Promise.all(signals);
      return;
    }
    await Promise.all(batch.map((k) => this.#count(k).catch(this.#o.onError)));
  }

  async #count(k: KeyState): Promise<void> {
    const estimate = await this.#window.count(k);
    if (estimate === undefined) return;
    this.#signals++;
    await this.#signal(k, estimate);
  }

  async #signal(k: KeyState, count: number): Promise<void> {
    await this.#o.events.publish(signalEvent(k, count));
  }
}
