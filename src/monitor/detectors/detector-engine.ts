import { type DetectorName, detectorNames } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import type { EventBus, EventPublisher } from '../../events/event-bus.js';
import type { SecurityEvent, SecurityEventType } from '../../events/security-event.js';
import type { CounterStore, ExpiringSetStore } from '../../storage/hot-state.js';
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

/** Events gathered in this process since the last flush, per detector and key. */
interface Pending {
  obs: Observation;
  weight: number;
  members: Set<string> | undefined;
  firstSeenAt: number;
  lastSeenAt: number;
  eventIds: string[];
  eventTypes: Set<string>;
}

const maxEvidenceIds = 10;
const maxLocalEntries = 100_000;

export interface DetectorEngineOptions {
  config: Pick<RampartConfig, 'detectors'>;
  counters: CounterStore;
  sets: ExpiringSetStore;
  events: EventPublisher;
  onError: (error: unknown) => void;
  now?: () => number;
}

/**
 * The security detectors: every event on the bus is turned into observations (see
 * detector-rules.ts) and counted in a sliding window per detector and key.
 *
 * Counting is cluster-global: the counts live in the hot store (Redis in a cluster), so
 * two nodes each seeing half of an attack see one attacker. The in-process part is the
 * fast path: the bus handler only appends to a local map and returns at once (publishers
 * never wait on detection); a flush on the next turn of the event loop sends one
 * increment per key, however many events arrived in between. The window is the usual
 * sliding-window counter: the current bucket plus the previous one weighted by how much
 * of it still overlaps the window. A key fires once per window cluster-wide: the first
 * node to add the key to the hot store's fired set publishes the signal.
 */
export class DetectorEngine {
  readonly #o: DetectorEngineOptions;
  readonly #now: () => number;
  readonly #rules: Map<SecurityEventType, ((e: SecurityEvent, out: Observation[]) => void)[]>;
  readonly #limits = new Map<DetectorName, Limits>();
  #pending = new Map<string, Pending>();
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  /** Keys that fired, until their window ends: no more counting needed for them. */
  readonly #firedUntil = new Map<string, number>();
  /** Closed buckets do not change much: their counts are fetched once per key. */
  readonly #previous = new Map<string, number>();
  /** When this node first saw each key in its current window (the attack's start, for MTTD). */
  readonly #firstSeen = new Map<string, number>();
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
      this.#limits.set(name, {
        threshold: c.threshold,
        windowMs: c.window * 1000,
        severity: c.severity,
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
    return { observed: this.#observed, signals: this.#signals, pendingKeys: this.#pending.size };
  }

  /** Synchronous: appends the event's observations and schedules a flush. */
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
      const id = `${obs.detector}\u0000${obs.key}`;
      const firedUntil = this.#firedUntil.get(id);
      if (firedUntil !== undefined) {
        if (firedUntil > now) continue;
        this.#firedUntil.delete(id);
      }
      let p = this.#pending.get(id);
      if (!p) {
        const first = this.#firstSeen.get(id);
        const windowMs = this.#limits.get(obs.detector)?.windowMs ?? 0;
        if (first === undefined || first < event.time - windowMs) {
          if (this.#firstSeen.size >= maxLocalEntries) this.#firstSeen.clear();
          this.#firstSeen.set(id, event.time);
        }
        p = {
          obs,
          weight: 0,
          members: obs.member === undefined ? undefined : new Set(),
          firstSeenAt: this.#firstSeen.get(id) ?? event.time,
          lastSeenAt: event.time,
          eventIds: [],
          eventTypes: new Set(),
        };
        this.#pending.set(id, p);
      }
      p.weight += obs.weight;
      if (obs.member !== undefined) p.members?.add(obs.member);
      p.lastSeenAt = event.time;
      if (p.eventIds.length < maxEvidenceIds) p.eventIds.push(event.id);
      p.eventTypes.add(event.type);
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
      this.#flushing = this.#flush()
        .catch(this.#o.onError)
        .finally(() => {
          this.#flushing = undefined;
        });
    });
  }

  /** Resolves once everything observed so far has been counted (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.#scheduled || this.#flushing !== undefined || this.#pending.size > 0) {
      if (this.#flushing !== undefined) await this.#flushing;
      else if (this.#pending.size > 0 && !this.#scheduled) this.#schedule();
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    await Promise.all(
      [...batch.entries()].map(([id, p]) =>
        this.#count(id, p).catch((error: unknown) => this.#o.onError(error)),
      ),
    );
  }

  async #count(id: string, p: Pending): Promise<void> {
    const limits = this.#limits.get(p.obs.detector);
    if (!limits) return;
    const { windowMs, threshold } = limits;
    const base = `det:${p.obs.detector}:${p.obs.key}`;
    let weight = p.weight;
    if (p.members) {
      // Distinct counting: only members first seen in this window add to the count.
      const firsts = await Promise.all(
        [...p.members].map((m) => this.#o.sets.add(`${base}:m:${m}`, windowMs)),
      );
      weight = firsts.filter(Boolean).length;
      if (weight === 0) return;
    }
    const now = this.#now();
    const bucket = Math.floor(now / windowMs);
    const current = await this.#o.counters.increment(`${base}:${bucket}`, windowMs * 2, weight);
    let estimate = current.count;
    if (estimate < threshold) {
      const prevKey = `${id}\u0000${bucket - 1}`;
      let previous = this.#previous.get(prevKey);
      if (previous === undefined) {
        previous = await this.#o.counters.get(`${base}:${bucket - 1}`);
        if (this.#previous.size >= maxLocalEntries) this.#previous.clear();
        this.#previous.set(prevKey, previous);
      }
      const overlap = 1 - (now - bucket * windowMs) / windowMs;
      estimate = current.count + Math.floor(previous * overlap);
    }
    if (estimate < threshold) return;
    if (this.#firedUntil.size >= maxLocalEntries) this.#firedUntil.clear();
    this.#firedUntil.set(id, now + windowMs);
    // Once per window and key across the cluster: the first node to claim it signals.
    if (!(await this.#o.sets.add(`${base}:fired`, windowMs))) return;
    this.#signals++;
    await this.#signal(p, limits, estimate);
  }

  async #signal(p: Pending, limits: Limits, count: number): Promise<void> {
    const s = p.obs.subject;
    const details: DetectorSignal = {
      detector: p.obs.detector,
      severity: limits.severity,
      key: p.obs.key,
      evidence: {
        ...s,
        count,
        threshold: limits.threshold,
        windowSeconds: limits.windowMs / 1000,
        firstSeenAt: p.firstSeenAt,
        lastSeenAt: p.lastSeenAt,
        eventIds: p.eventIds,
        eventTypes: [...p.eventTypes],
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
      target: { type: 'detector', id: p.obs.detector },
      details: details as unknown as Record<string, unknown>,
    });
  }
}
