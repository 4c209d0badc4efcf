import { uuidv7 } from '../shared/uuid-v7.js';
import {
  type SecurityEvent,
  type SecurityEventInput,
  securityEventTypes,
} from './security-event.js';

export type EventHandler = (event: SecurityEvent) => void | Promise<void>;

export interface EventSubscription {
  unsubscribe(): void;
}

export interface EventPublisher {
  /**
   * Publishes an event to every subscriber and resolves when all of them have handled
   * it (a durable subscriber such as the audit trail resolves once the event is stored).
   * A failing subscriber never fails the publisher: its error goes to `onHandlerError`.
   */
  publish(input: SecurityEventInput): Promise<SecurityEvent>;
}

export interface EventBusOptions {
  onHandlerError: (error: unknown, event: SecurityEvent, handlerName: string) => void;
  now?: () => number;
}

/**
 * The in-process security event bus. Subscribers: the event log now; the audit trail,
 * metrics, detectors and the live dashboard later.
 *
 * @example
 * const bus = new EventBus({ onHandlerError: (err) => log.error({ err }) });
 * bus.subscribe('log', (event) => log.info({ event }));
 * await bus.publish({ type: 'auth.login.failed', outcome: 'failure', actor: { kind: 'anonymous' }, details: {} });
 */
export class EventBus implements EventPublisher {
  readonly #handlers = new Map<string, EventHandler>();
  readonly #onHandlerError: EventBusOptions['onHandlerError'];
  readonly #now: () => number;

  constructor(options: EventBusOptions) {
    this.#onHandlerError = options.onHandlerError;
    this.#now = options.now ?? Date.now;
  }

  subscribe(name: string, handler: EventHandler): EventSubscription {
    if (this.#handlers.has(name)) throw new Error(`event handler ${name} is already subscribed`);
    this.#handlers.set(name, handler);
    return { unsubscribe: () => this.#handlers.delete(name) };
  }

  async publish(input: SecurityEventInput): Promise<SecurityEvent> {
    const time = this.#now();
    const event: SecurityEvent = {
      ...input,
      id: uuidv7(time),
      time,
      severity: input.severity ?? securityEventTypes[input.type].severity,
    };
    const pending: Promise<void>[] = [];
    for (const [name, handler] of this.#handlers) {
      try {
        const result = handler(event);
        if (result instanceof Promise) {
          pending.push(result.catch((error: unknown) => this.#onHandlerError(error, event, name)));
        }
      } catch (error) {
        this.#onHandlerError(error, event, name);
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    return event;
  }
}
