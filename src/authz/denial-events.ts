import type { EventPublisher } from '../events/event-bus.js';
import type { ActorKind, EventActor } from '../events/security-event.js';

/** One denial answered by the decision API. */
export interface CheckDenial {
  principal: { kind: 'user' | 'service_account' | 'api_key'; id: string };
  action: string;
  resource: { type: string; id: string };
  reason: string;
  /** Who asked (the service calling /v1/authz/check). */
  caller: EventActor;
  requestId?: string | undefined;
}

interface Window {
  denial: CheckDenial;
  /** Identical denials seen since the event that opened the window. */
  repeats: number;
  endsAt: number;
}

export interface DenialEventsOptions {
  events: EventPublisher;
  /** Identical denials within this many ms become one event with a count (default 1000). */
  windowMs?: number;
  /** Most distinct denials held at once; past it, windows are flushed early. */
  maxOpen?: number;
  onError: (error: unknown) => void;
  now?: () => number;
}

const keyOf = (d: CheckDenial) =>
  `${d.caller.kind}\u0000${d.caller.id ?? ''}\u0000${d.principal.kind}\u0000${d.principal.id}\u0000${d.action}\u0000${d.resource.type}\u0000${d.resource.id}\u0000${d.reason}`;

/**
 * `authz.denied` events for denials of the decision API. Every deny is recorded, but a
 * client that checks the same denied request in a loop, or a batch of 100 identical
 * checks, must not flood the bus and the audit trail: the first denial of a kind is
 * published at once; identical ones (same caller, principal, action, resource, reason)
 * within the next second are counted and published as one event with `count` when the
 * second ends. Events are published in the background: a decision never waits for them.
 */
export class DenialEvents {
  readonly #o: DenialEventsOptions;
  readonly #windowMs: number;
  readonly #maxOpen: number;
  readonly #now: () => number;
  readonly #open = new Map<string, Window>();
  #timer: NodeJS.Timeout | undefined;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: DenialEventsOptions) {
    this.#o = options;
    this.#windowMs = options.windowMs ?? 1000;
    this.#maxOpen = options.maxOpen ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records denials (already grouped or not); cheap and synchronous. */
  record(denials: readonly CheckDenial[]): void {
    const now = this.#now();
    for (const d of denials) {
      const key = keyOf(d);
      const open = this.#open.get(key);
      if (open && open.endsAt > now) {
        open.repeats++;
        continue;
      }
      if (open) this.#close(key, open);
      if (this.#open.size >= this.#maxOpen) this.flush();
      this.#open.set(key, { denial: d, repeats: 0, endsAt: now + this.#windowMs });
      this.#publish(d, 1, false);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#open.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = this.#now();
      for (const [key, w] of this.#open) if (w.endsAt <= now) this.#close(key, w);
      this.#schedule();
    }, this.#windowMs);
    this.#timer.unref();
  }

  #close(key: string, w: Window): void {
    this.#open.delete(key);
    if (w.repeats > 0) this.#publish(w.denial, w.repeats, true);
  }

  #publish(d: CheckDenial, count: number, aggregated: boolean): void {
    const kind: ActorKind = d.principal.kind;
    const p = this.#o.events
      .publish({
        type: 'authz.denied',
        outcome: 'denied',
        actor: { kind, id: d.principal.id },
        target: { type: d.resource.type, id: d.resource.id },
        // A summary spans many requests: it names none of them.
        ...(d.requestId && !aggregated ? { requestId: d.requestId } : {}),
        details: {
          source: 'check_api',
          action: d.action,
          reason: d.reason,
          caller: { kind: d.caller.kind, ...(d.caller.id ? { id: d.caller.id } : {}) },
          count,
          ...(aggregated ? { aggregated: true, windowMs: this.#windowMs } : {}),
        },
      })
      .catch(this.#o.onError)
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Publishes every counted repeat now (shutdown, or too many open windows). */
  flush(): void {
    for (const [key, w] of this.#open) this.#close(key, w);
  }

  /** Flushes and waits for the events in flight. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush();
    await Promise.all([...this.#pending]);
  }
}
