import { uuidv7 } from '../../shared/uuid-v7.js';
import { DeliveryError } from '../channels/channel.js';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import type { ChannelDispatcher, Target } from '../channels/dispatcher.js';
import type { AlertNotification } from './core/alert-rule.js';
import type { AlertStore, OutboxEntry } from './store.js';

export interface NotificationOutboxOptions {
  store: AlertStore;
  catalog: ChannelCatalog;
  dispatcher: ChannelDispatcher;
  /** This node, as the holder of its claims. */
  nodeId: string;
  /** How long a claim lasts: longer than one delivery run with every retry and backoff. */
  claimMs: number;
  /** Runs after which a row never completed (its sender died each time) fails for good. */
  maxRuns?: number;
  onError: (error: unknown, task: string) => void;
  now?: () => number;
}

const defaultMaxRuns = 5;
const resumeBatch = 100;

/**
 * At-least-once notifications. Each notification to each channel is an outbox row written
 * with the alert change that causes it (`entries`, then `saveInstanceWithOutbox`); the
 * row is claimed for one run when it reaches the head of its channel's queue, and marked
 * delivered or failed after. A node that dies mid-run leaves its row pending: once the
 * claim runs out, the leader's `resume` sends it again, with the same delivery id, so a
 * receiver may see it twice but never not at all.
 *
 * @example
 * const rows = outbox.entries(notification, rule.channels);
 * if (await store.saveInstanceWithOutbox(next, rows)) outbox.send(rows);
 */
export class NotificationOutbox {
  readonly #o: NotificationOutboxOptions;
  readonly #now: () => number;
  readonly #maxRuns: number;
  /** Rows queued on this node's dispatcher (not queued again by `resume`). */
  readonly #queued = new Set<string>();

  constructor(options: NotificationOutboxOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#maxRuns = options.maxRuns ?? defaultMaxRuns;
  }

  /** One pending row per known channel of `channels` (a channel deleted since is skipped). */
  entries(notification: AlertNotification, channels: readonly string[]): OutboxEntry[] {
    const now = this.#now();
    return channels
      .filter((name) => this.#o.catalog.byName(name) !== undefined)
      .map((channel) => ({
        id: uuidv7(now),
        channel,
        notification,
        state: 'pending' as const,
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      }));
  }

  /** Queues persisted rows on the dispatcher (each channel in order) and returns at once. */
  send(rows: readonly OutboxEntry[]): void {
    for (const row of rows) {
      if (this.#queued.has(row.id)) continue;
      this.#queued.add(row.id);
      this.#o.dispatcher.enqueue({
        id: row.id,
        notification: row.notification,
        target: this.#target(row.channel),
        claim: async () => {
          const now = this.#now();
          const ok = await this.#o.store
            .claimOutbox(row.id, this.#o.nodeId, now, now + this.#o.claimMs, this.#maxRuns)
            .catch((error: unknown) => {
              this.#o.onError(error, 'alert outbox claim');
              return false;
            });
          if (!ok) this.#queued.delete(row.id);
          return ok;
        },
        complete: async (record) => {
          this.#queued.delete(row.id);
          const state = record.outcome === 'delivered' ? 'delivered' : 'failed';
          await this.#o.store.completeOutbox(row.id, this.#o.nodeId, state, this.#now());
        },
      });
    }
  }

  /**
   * Sends the pending rows no node is sending: left by a node that died (or restarted)
   * mid-delivery, or waiting behind an older row of their alert. Run by the leader.
   */
  async resume(): Promise<void> {
    const now = this.#now();
    const due = (await this.#o.store.dueOutbox(now, resumeBatch)).filter(
      (row) => !this.#queued.has(row.id),
    );
    const runnable: OutboxEntry[] = [];
    for (const row of due) {
      if (row.attempts < this.#maxRuns) {
        runnable.push(row);
        continue;
      }
      if (!(await this.#o.store.completeOutbox(row.id, null, 'failed', now))) continue;
      await this.#o.store.recordDelivery({
        id: uuidv7(now),
        notificationId: row.notification.id,
        deliveryId: row.id,
        fingerprint: row.notification.fingerprint,
        channel: row.channel,
        status: row.notification.status,
        test: false,
        outcome: 'failed',
        attempts: 0,
        error: `interrupted ${row.attempts} times`,
        startedAt: now,
        durationMs: 0,
      });
    }
    this.send(runnable);
  }

  #target(name: string): Target {
    const channel = this.#o.catalog.byName(name);
    if (channel) return this.#o.catalog.target(channel);
    return {
      name,
      sender: {
        send: async () => {
          throw new DeliveryError('channel deleted', true);
        },
      },
    };
  }
}
