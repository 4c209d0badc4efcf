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
  /**
   * How long a claim lasts unless renewed (default 10 s). The node renews it every third
   * of that while the run is alive, so this bounds how long a dead node's row waits.
   */
  leaseMs?: number;
  /** Runs after which a row never completed (its sender died each time) fails for good. */
  maxRuns?: number;
  onError: (error: unknown, task: string) => void;
  now?: () => number;
}

const defaultMaxRuns = 5;
const defaultLeaseMs = 10_000;
const resumeBatch = 100;

/**
 * At-least-once notifications. Each notification to each channel is an outbox row written
 * with the alert change that causes it (`entries`, then `saveInstanceWithOutbox`); the
 * row is claimed for one run when it reaches the head of its channel's queue, and marked
 * delivered or failed after. The claim is a short lease (`leaseMs`) that the node renews
 * every `leaseMs / 3` for as long as the run lasts (retries and backoff included), so a
 * slow run is never taken over while its node lives. A node that dies mid-run leaves its
 * row pending: at most `leaseMs` after its last renewal the row is due, and the leader's
 * `resume` (each evaluation tick, `alerts.evaluationIntervalMs`) sends it again, with the
 * same delivery id, so a receiver may see it twice but never not at all. So a dead
 * node's row is sent again within one lease and one tick of the crash: with the defaults
 * (a 10 s lease, 5 s ticks) within 15 s, or 20 s if the dead node was the leader (its
 * leader lease, 3 ticks, runs out first and the next leader resumes at once). A
 * node stalled longer than two thirds of a lease (or cut off from the database) may lose
 * its claim while it still sends: the row is then sent twice, with the same delivery id.
 *
 * @example
 * const rows = outbox.entries(notification, rule.channels);
 * if (await store.saveInstanceWithOutbox(next, rows)) outbox.send(rows);
 */
export class NotificationOutbox {
  readonly #o: NotificationOutboxOptions;
  readonly #now: () => number;
  readonly #maxRuns: number;
  readonly #leaseMs: number;
  /** Rows queued on this node's dispatcher (not queued again by `resume`). */
  readonly #queued = new Set<string>();
  /** The renewal timer of each row this node holds a claim on. */
  readonly #renewals = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(options: NotificationOutboxOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#maxRuns = options.maxRuns ?? defaultMaxRuns;
    this.#leaseMs = options.leaseMs ?? defaultLeaseMs;
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
          const ok =
            !this.#closed &&
            (await this.#o.store
              .claimOutbox(row.id, this.#o.nodeId, now, now + this.#leaseMs, this.#maxRuns)
              .catch((error: unknown) => {
                this.#o.onError(error, 'alert outbox claim');
                return false;
              }));
          // Closed while claiming: no renewal will come, so leave the row to the leader.
          if (!ok || this.#closed) {
            this.#queued.delete(row.id);
            return false;
          }
          this.#renew(row.id);
          return true;
        },
        complete: async (record) => {
          this.#stopRenewal(row.id);
          this.#queued.delete(row.id);
          const state = record.outcome === 'delivered' ? 'delivered' : 'failed';
          await this.#o.store.completeOutbox(row.id, this.#o.nodeId, state, this.#now());
        },
        release: () => {
          this.#stopRenewal(row.id);
          this.#queued.delete(row.id);
        },
      });
    }
  }

  /**
   * Stops renewing this node's claims and claims nothing more (shutdown, after the
   * dispatcher drained): a run still going may be sent again once its lease runs out.
   */
  close(): void {
    this.#closed = true;
    for (const timer of this.#renewals.values()) clearInterval(timer);
    this.#renewals.clear();
  }

  /**
   * Sends the pending rows no node is sending: left by a node that died (or restarted)
   * mid-delivery, or waiting behind an older row of their alert. Run by the leader.
   */
  async resume(): Promise<void> {
    if (this.#closed) return;
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

  /** Keeps this node's claim on `id` alive until `#stopRenewal` (or the claim is lost). */
  #renew(id: string): void {
    let renewing = false;
    const timer = setInterval(
      () => {
        // A slow database: one renewal at a time, the next tick tries again.
        if (renewing) return;
        renewing = true;
        const now = this.#now();
        void this.#o.store
          .renewOutbox(id, this.#o.nodeId, now, now + this.#leaseMs)
          .then(
            (held) => {
              // Lost (another node took the row over after a stall): nothing left to renew.
              if (!held && this.#renewals.get(id) === timer) this.#stopRenewal(id);
            },
            (error: unknown) => this.#o.onError(error, 'alert outbox renewal'),
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(1, Math.floor(this.#leaseMs / 3)),
    );
    timer.unref();
    this.#stopRenewal(id);
    this.#renewals.set(id, timer);
  }

  #stopRenewal(id: string): void {
    clearInterval(this.#renewals.get(id));
    this.#renewals.delete(id);
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
