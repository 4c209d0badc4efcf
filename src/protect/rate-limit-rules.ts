import type { Kysely } from 'kysely';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import type { RequestContext } from '../identity/core/request-context.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import type { Database } from '../storage/database-schema.js';
import type { PubSub, Unsubscribe } from '../storage/hot-state.js';
import { isUniqueViolation } from '../storage/sql/sql-errors.js';
import type { RateLimitKeyPart, RateLimitRule } from './core/rate-limit-policy.js';
import { protectErrors } from './errors.js';

export interface StoredRateLimitRule extends RateLimitRule {
  id: string;
  name: string;
  createdBy: string | null;
  createdAt: number;
}

/** Rate-limit policies added through the API, in the database. */
export class SqlRateLimitRuleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<StoredRateLimitRule[]> {
    const rows = await this.db
      .selectFrom('rate_limit_rules')
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      method: r.method,
      url: r.url,
      limit: r.limit,
      window: r.window,
      key: JSON.parse(r.key) as RateLimitKeyPart[],
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }

  /** Resolves false when the name is taken. */
  async add(rule: StoredRateLimitRule): Promise<boolean> {
    try {
      await this.db
        .insertInto('rate_limit_rules')
        .values({
          id: rule.id,
          name: rule.name,
          method: rule.method,
          url: rule.url,
          limit: rule.limit,
          window: rule.window,
          key: JSON.stringify(rule.key),
          created_by: rule.createdBy,
          created_at: rule.createdAt,
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async remove(id: string): Promise<StoredRateLimitRule | undefined> {
    const rule = (await this.list()).find((r) => r.id === id);
    if (!rule) return undefined;
    await this.db.deleteFrom('rate_limit_rules').where('id', '=', id).execute();
    return rule;
  }
}

export const rateLimitRuleChangesChannel = 'protect.ratelimits';
const reloadIntervalMs = 30_000;

export interface RateLimitRuleServiceOptions {
  store: SqlRateLimitRuleStore;
  pubsub: PubSub;
  events: EventPublisher;
  /**
   * Builds the policy table from the API rules (ahead of the configured ones) and puts it
   * in force; throws when the table is invalid (a name used twice).
   */
  apply(rules: readonly StoredRateLimitRule[]): void;
  onBackgroundError?: (error: unknown) => void;
}

/**
 * Policies managed at run time. Each node holds the table in memory; a change is
 * announced through pub/sub and every node reloads from the database (and every 30 s, in
 * case a message is lost).
 */
export class RateLimitRuleService {
  readonly #o: RateLimitRuleServiceOptions;

  constructor(options: RateLimitRuleServiceOptions) {
    this.#o = options;
  }

  async start(): Promise<Unsubscribe> {
    await this.reload();
    const reload = () => {
      this.reload().catch((error: unknown) => this.#o.onBackgroundError?.(error));
    };
    const unsubscribe = await this.#o.pubsub.subscribe(rateLimitRuleChangesChannel, reload);
    const timer = setInterval(reload, reloadIntervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await unsubscribe();
    };
  }

  async reload(): Promise<void> {
    this.#o.apply(await this.#o.store.list());
  }

  list(): Promise<StoredRateLimitRule[]> {
    return this.#o.store.list();
  }

  async add(
    rule: RateLimitRule,
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<StoredRateLimitRule> {
    const now = Date.now();
    const id = uuidv7(now);
    const stored: StoredRateLimitRule = {
      ...rule,
      id,
      name: rule.name ?? `api-${id.slice(-8)}`,
      method: rule.method.toUpperCase(),
      createdBy: actor.id ?? null,
      createdAt: now,
    };
    // Refuse what the table would refuse (a name the config already uses) before storing.
    try {
      this.#o.apply([...(await this.#o.store.list()), stored]);
    } catch (error) {
      await this.reload();
      throw new RampartError(protectErrors.rate_limit_rule_invalid, {
        detail: error instanceof Error ? error.message : 'The policy table would be invalid.',
      });
    }
    if (!(await this.#o.store.add(stored))) {
      await this.reload();
      throw new RampartError(protectErrors.rate_limit_rule_invalid, {
        detail: `A policy named ${stored.name} exists.`,
      });
    }
    await this.#o.pubsub.publish(rateLimitRuleChangesChannel, id);
    await this.#o.events.publish({
      type: 'ratelimit.policy.changed',
      outcome: 'success',
      actor,
      target: { type: 'rate_limit_policy', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        change: 'added',
        name: stored.name,
        method: stored.method,
        url: stored.url,
        limit: stored.limit,
        window: stored.window,
        key: stored.key,
      },
    });
    return stored;
  }

  async remove(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    const removed = await this.#o.store.remove(id);
    if (!removed) throw new RampartError(protectErrors.rate_limit_rule_not_found);
    await this.reload();
    await this.#o.pubsub.publish(rateLimitRuleChangesChannel, id);
    await this.#o.events.publish({
      type: 'ratelimit.policy.changed',
      outcome: 'success',
      actor,
      target: { type: 'rate_limit_policy', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { change: 'removed', name: removed.name },
    });
  }
}
