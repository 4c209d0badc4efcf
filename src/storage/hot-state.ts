/**
 * Ports for shared hot state: small, fast facts with an expiry that every node must see
 * at once (failure counters, revoked token ids, spent nonces, bans) and the pub/sub that
 * invalidates caches across nodes. Adapters: memory (one process) and Redis (a cluster).
 */

export interface CounterValue {
  /** The count after this increment. */
  count: number;
  /** Milliseconds until the window (started by the first increment) ends. */
  resetInMs: number;
}

export interface CounterStore {
  /**
   * Atomically adds `by` (default 1) to the counter at `key`. The first increment starts
   * a window of `windowMs`; the counter disappears when it ends. Concurrent increments
   * never lose an update.
   */
  increment(key: string, windowMs: number, by?: number): Promise<CounterValue>;
  /** The current count, 0 when absent or expired. */
  get(key: string): Promise<number>;
  reset(key: string): Promise<void>;
  /**
   * `increment` and `get` without a promise, where the store is in this process (memory);
   * absent on stores across a network. Detectors count hundreds of thousands of events a
   * second through them.
   */
  readonly incrementNow?: (key: string, windowMs: number, by?: number) => CounterValue;
  readonly getNow?: (key: string) => number;
}

export interface ExpiringSetStore {
  /** Adds `member` for `ttlMs`; resolves true if it was absent (first sight), false if present. */
  add(member: string, ttlMs: number): Promise<boolean>;
  has(member: string): Promise<boolean>;
  remove(member: string): Promise<void>;
  /** `add` without a promise, where the store is in this process (memory). */
  readonly addNow?: (member: string, ttlMs: number) => boolean;
  /**
   * `has` without a promise, where the store is in this process (memory); absent on
   * stores across a network. Authentication checks revocations through it on every request.
   */
  readonly hasNow?: (member: string) => boolean;
}

export interface ExpiringValueStore {
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Reads and deletes in one step: of concurrent takers, exactly one gets the value. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Reads without a promise, where the store is in this process (memory); absent on
   * stores across a network. Hot paths use it to skip a microtask per request.
   */
  readonly getNow?: (key: string) => string | undefined;
}

export interface LeaseStore {
  /**
   * Takes the lease `key` for `holder` for `ttlMs`, or extends it if `holder` already
   * holds it; resolves false while another holder's lease runs. At most one holder at a
   * time (leader election: exactly one node runs a job).
   */
  acquire(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it, so another node can take it at once. */
  release(key: string, holder: string): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Delivers every message published on `channel` after the returned promise resolves. */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
}

export interface HotStore {
  readonly kind: 'memory' | 'redis';
  readonly counters: CounterStore;
  readonly sets: ExpiringSetStore;
  readonly values: ExpiringValueStore;
  readonly pubsub: PubSub;
  readonly leases: LeaseStore;
  /** Round-trips to the store; resolves with the latency in ms. */
  ping(): Promise<number>;
  close(): Promise<void>;
}
