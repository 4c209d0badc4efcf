import { redactForLog } from '../dataprotect/core/redaction.js';
import type { PubSub, Unsubscribe } from '../storage/hot-state.js';
import type { EventBus, EventSubscription } from './event-bus.js';
import type { EventOutcome, EventSeverity, SecurityEvent } from './security-event.js';

/** The hot-store channel that carries every node's security events to every other node. */
export const liveEventsChannel = 'events.live';

const severityRank: Readonly<Record<EventSeverity, number>> = {
  info: 0,
  notice: 1,
  warning: 2,
  critical: 3,
};

export interface LiveEventFilter {
  /** Event types, or prefixes ending in `.*` (`auth.*`); `*` or empty: every type. */
  types: readonly string[];
  outcome?: EventOutcome;
  minSeverity?: EventSeverity;
}

/** True when `event` passes `filter`. */
export function matchesLiveFilter(event: SecurityEvent, filter: LiveEventFilter): boolean {
  if (filter.outcome !== undefined && event.outcome !== filter.outcome) return false;
  if (
    filter.minSeverity !== undefined &&
    severityRank[event.severity] < severityRank[filter.minSeverity]
  )
    return false;
  if (filter.types.length === 0) return true;
  for (const t of filter.types) {
    if (t === event.type || t === '*') return true;
    if (t.endsWith('.*') && event.type.startsWith(t.slice(0, -1))) return true;
  }
  return false;
}

export type LiveEventListener = (event: SecurityEvent) => void;

/**
 * Carries security events to live viewers on every node: each node publishes its own
 * bus's events on {@link liveEventsChannel}, and delivers what arrives on the channel
 * (its own events included) to its local listeners. One path for local and remote
 * events, so a viewer sees each event once whichever node it happened on.
 *
 * Publishing does not wait on the hot store: the event bus's publisher (a login, a rate
 * limit) must not slow down for the dashboard. Every event is published, since a node
 * cannot know whether another node has a viewer.
 */
export class LiveEventRelay {
  readonly #listeners = new Set<LiveEventListener>();
  readonly #pubsub: PubSub;
  readonly #events: EventBus;
  readonly #onError: (error: unknown) => void;
  readonly #redactDetails: (details: Record<string, unknown>) => Record<string, unknown>;
  #subscription: EventSubscription | undefined;
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: {
    pubsub: PubSub;
    events: EventBus;
    onError: (error: unknown) => void;
    /**
     * Applied to each event's details before it leaves this node, as the audit trail and
     * the logs apply it: a secret a publisher put in details reaches neither the hot store
     * nor a viewer. Default: the built-in classification (`redactForLog`).
     */
    redactDetails?: (details: Record<string, unknown>) => Record<string, unknown>;
  }) {
    this.#pubsub = options.pubsub;
    this.#events = options.events;
    this.#onError = options.onError;
    this.#redactDetails = options.redactDetails ?? redactForLog;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#pubsub.subscribe(liveEventsChannel, (message) => {
      if (this.#listeners.size === 0) return;
      let event: SecurityEvent;
      try {
        event = JSON.parse(message) as SecurityEvent;
      } catch (error) {
        return this.#onError(error);
      }
      for (const listener of this.#listeners) listener(event);
    });
    this.#subscription = this.#events.subscribe('live-events', (event) => {
      const details = this.#redactDetails(event.details ?? {});
      const live = details === event.details ? event : { ...event, details };
      this.#pubsub.publish(liveEventsChannel, JSON.stringify(live)).catch(this.#onError);
    });
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  listen(listener: LiveEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    this.#subscription?.unsubscribe();
    this.#listeners.clear();
    await this.#unsubscribe?.();
  }
}
