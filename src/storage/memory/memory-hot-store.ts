import { EventEmitter } from 'node:events';
import type {
  CounterStore,
  CounterValue,
  ExpiringSetStore,
  ExpiringValueStore,
  HotStore,
  LeaseStore,
  PubSub,
  Unsubscribe,
} from '../hot-state.js';
import { deliverSafely, type PubSubErrorHandler, warnOnHandlerError } from '../pubsub-delivery.js';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** A Map whose entries expire; expired entries are dropped on read and by a sweeper. */
class ExpiringMap<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get(key: string): Entry<T> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, value: T, ttlMs: number): Entry<T> {
    const entry = { value, expiresAt: this.#now() + ttlMs };
    this.#entries.set(key, entry);
    return entry;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}

class MemoryCounters implements CounterStore {
  constructor(
    readonly map: ExpiringMap<number>,
    private readonly now: () => number,
  ) {}

  async increment(key: string, windowMs: number, by = 1): Promise<CounterValue> {
    return this.incrementNow(key, windowMs, by);
  }

  readonly incrementNow = (key: string, windowMs: number, by = 1): CounterValue => {
    // Single-threaded: the read-modify-write below cannot interleave with another call.
    const entry = this.map.get(key);
    if (!entry) {
      this.map.set(key, by, windowMs);
      return { count: by, resetInMs: windowMs };
    }
    entry.value += by;
    return { count: entry.value, resetInMs: Math.max(0, entry.expiresAt - this.now()) };
  };

  async get(key: string): Promise<number> {
    return this.getNow(key);
  }

  readonly getNow = (key: string): number => this.map.get(key)?.value ?? 0;

  async reset(key: string): Promise<void> {
    this.map.delete(key);
  }
}

class MemorySet implements ExpiringSetStore {
  constructor(readonly map: ExpiringMap<true>) {}

  async add(member: string, ttlMs: number): Promise<boolean> {
    return this.addNow(member, ttlMs);
  }

  readonly addNow = (member: string, ttlMs: number): boolean => {
    if (this.map.get(member)) return false;
    this.map.set(member, true, ttlMs);
    return true;
  };

  async has(member: string): Promise<boolean> {
    return this.hasNow(member);
  }

  readonly hasNow = (member: string): boolean => this.map.get(member) !== undefined;

  async remove(member: string): Promise<void> {
    this.map.delete(member);
  }
}

class MemoryValues implements ExpiringValueStore {
  constructor(readonly map: ExpiringMap<string>) {}

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, value, ttlMs);
  }

  async get(key: string): Promise<string | undefined> {
    return this.map.get(key)?.value;
  }

  readonly getNow = (key: string): string | undefined => this.map.get(key)?.value;

  async take(key: string): Promise<string | undefined> {
    const value = this.map.get(key)?.value;
    this.map.delete(key);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}

class MemoryLeases implements LeaseStore {
  constructor(readonly map: ExpiringMap<string>) {}

  async acquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const current = this.map.get(key);
    if (current && current.value !== holder) return false;
    this.map.set(key, holder, ttlMs);
    return true;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.map.get(key)?.value === holder) this.map.delete(key);
  }
}

class MemoryPubSub implements PubSub {
  readonly #emitter = new EventEmitter();
  readonly #onError: PubSubErrorHandler;

  constructor(onError: PubSubErrorHandler) {
    this.#emitter.setMaxListeners(0);
    this.#onError = onError;
  }

  async publish(channel: string, message: string): Promise<void> {
    // Deliver asynchronously, as Redis does: a publisher never runs subscriber code inline.
    queueMicrotask(() => this.#emitter.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    // A wrapper per call: one handler subscribed twice is two subscriptions, and calling
    // one unsubscribe twice must not remove the other.
    const listener = (message: string) => deliverSafely(handler, message, channel, this.#onError);
    this.#emitter.on(channel, listener);
    return async () => {
      this.#emitter.off(channel, listener);
    };
  }
}

export interface MemoryHotStoreOptions {
  now?: () => number;
  /** How often expired entries are swept; default 30 s. */
  sweepIntervalMs?: number;
  /** Receives exceptions thrown by pub/sub handlers; default a process warning. */
  onHandlerError?: PubSubErrorHandler;
}

/**
 * Hot state for a single process. Facts here are not shared with other nodes: a cluster
 * needs the Redis adapter.
 */
export function createMemoryHotStore(options: MemoryHotStoreOptions = {}): HotStore {
  const now = options.now ?? Date.now;
  const counterMap = new ExpiringMap<number>(now);
  const setMap = new ExpiringMap<true>(now);
  const valueMap = new ExpiringMap<string>(now);
  const leaseMap = new ExpiringMap<string>(now);
  const sweeper = setInterval(() => {
    counterMap.sweep();
    setMap.sweep();
    valueMap.sweep();
    leaseMap.sweep();
  }, options.sweepIntervalMs ?? 30_000);
  sweeper.unref();
  return {
    kind: 'memory',
    counters: new MemoryCounters(counterMap, now),
    sets: new MemorySet(setMap),
    values: new MemoryValues(valueMap),
    pubsub: new MemoryPubSub(options.onHandlerError ?? warnOnHandlerError),
    leases: new MemoryLeases(leaseMap),
    async ping() {
      return 0;
    },
    async close() {
      clearInterval(sweeper);
    },
  };
}
