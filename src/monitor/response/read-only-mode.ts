import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import type { ExpiringValueStore, PubSub, Unsubscribe } from '../../storage/hot-state.js';

/** Channel on which a node announces that read-only mode changed. */
export const readOnlyChannel = 'monitor.readonly';
const stateKey = 'monitor:readonly';
/** Read-only mode has no end of its own; the hot store still wants a TTL. */
const foreverMs = 10 * 365 * 86_400_000;
/** Re-read from the hot store this often, in case an announcement was missed. */
const pollIntervalMs = 2000;

export interface ReadOnlyState {
  enabled: boolean;
  since: number | null;
  reason: string | null;
  by: string | null;
}

const off: ReadOnlyState = Object.freeze({ enabled: false, since: null, reason: null, by: null });

export interface ReadOnlyModeOptions {
  values: ExpiringValueStore;
  pubsub: PubSub;
  events: EventPublisher;
  onError: (error: unknown) => void;
  now?: () => number;
}

/**
 * Cluster-wide read-only mode. The state lives in the hot store (every node sees one
 * switch); each node keeps a copy in memory, refreshed when a node announces a change
 * and every 2 s, so the per-request check is a field read.
 */
export class ReadOnlyMode {
  readonly #o: ReadOnlyModeOptions;
  readonly #now: () => number;
  #state: ReadOnlyState = off;

  constructor(options: ReadOnlyModeOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Loads the state and follows changes; resolves with the stop function. */
  async start(): Promise<Unsubscribe> {
    await this.refresh();
    const unsubscribe = await this.#o.pubsub.subscribe(readOnlyChannel, () => {
      this.refresh().catch(this.#o.onError);
    });
    const timer = setInterval(() => this.refresh().catch(this.#o.onError), pollIntervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await unsubscribe();
    };
  }

  async refresh(): Promise<ReadOnlyState> {
    const raw = await this.#o.values.get(stateKey);
    this.#state =
      raw === undefined ? off : { ...(JSON.parse(raw) as ReadOnlyState), enabled: true };
    return this.#state;
  }

  /** The local copy: synchronous, for the request hook. */
  get enabled(): boolean {
    return this.#state.enabled;
  }

  state(): ReadOnlyState {
    return this.#state;
  }

  /** Turns read-only mode on; resolves false when it was on already. */
  async enable(reason: string, actor: EventActor): Promise<boolean> {
    const was = await this.refresh();
    if (was.enabled) return false;
    const state: ReadOnlyState = {
      enabled: true,
      since: this.#now(),
      reason,
      by: actor.id ?? actor.kind,
    };
    await this.#o.values.set(stateKey, JSON.stringify(state), foreverMs);
    this.#state = state;
    await this.#o.pubsub.publish(readOnlyChannel, 'on');
    await this.#o.events.publish({
      type: 'readonly_mode.changed',
      outcome: 'success',
      actor,
      target: { type: 'readonly_mode' },
      details: { enabled: true, reason },
    });
    return true;
  }

  /** Turns read-only mode off; resolves false when it was off. */
  async disable(actor: EventActor): Promise<boolean> {
    const was = await this.refresh();
    await this.#o.values.delete(stateKey);
    this.#state = off;
    await this.#o.pubsub.publish(readOnlyChannel, 'off');
    if (!was.enabled) return false;
    await this.#o.events.publish({
      type: 'readonly_mode.changed',
      outcome: 'success',
      actor,
      target: { type: 'readonly_mode' },
      details: { enabled: false },
    });
    return true;
  }
}
