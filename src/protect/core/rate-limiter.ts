import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import { protectErrors } from '../errors.js';
import type { RateLimitDecision, RateLimiterStore } from '../store.js';
import { formatRateLimitAfter, formatRetryAfter } from './rate-limit-headers.js';
import { type RateLimitPolicy, type RateLimitSubject, rateLimitKey } from './rate-limit-policy.js';
import { RateLimitStoreUnavailable } from './resilient-rate-limiter.js';

/** Keys whose refusal was reported recently; bounded so a flood of keys cannot grow it. */
const maxReportedKeys = 10_000;

export interface RateLimitContext {
  ip: string;
  requestId: string;
  userAgent?: string;
}

export interface RateLimitOutcome {
  /** Response fields: RateLimit-Policy and RateLimit. */
  headers: { 'RateLimit-Policy': string; RateLimit: string };
}

export interface RateLimiterOptions {
  store: RateLimiterStore;
  events: EventPublisher;
  now?: () => number;
}

/**
 * Decides one request against one policy: spends a unit or throws `quota_exceeded` with
 * Retry-After and the RateLimit fields. A refusal becomes a `ratelimit.exceeded` event at
 * most once per key and window, so a flood does not become a flood of events.
 */
export class RateLimiter {
  readonly #store: RateLimiterStore;
  readonly #events: EventPublisher;
  readonly #now: () => number;
  /** Key → when its report window ends and how many refusals went unreported since. */
  readonly #reported = new Map<string, { until: number; suppressed: number }>();

  constructor(options: RateLimiterOptions) {
    this.#store = options.store;
    this.#events = options.events;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Synchronous when the store decides in-process (memory), else a promise: the request
   * hooks are on every request's path and a promise per decision is measurable there.
   *
   * `context` is called only for a refusal's event, so an allowed request builds nothing.
   *
   * @throws {RampartError} `quota_exceeded`, or `rate_limit_unavailable` (fail closed);
   *   thrown or rejected as the outcome is synchronous or not.
   */
  check(
    policy: RateLimitPolicy,
    subject: RateLimitSubject,
    context: () => RateLimitContext,
  ): RateLimitOutcome | Promise<RateLimitOutcome> {
    const key = rateLimitKey(policy, subject);
    const store = this.#store;
    if (store.consumeNow) {
      return this.#settle(
        store.consumeNow(key, policy.limit, policy.windowMs),
        key,
        policy,
        subject,
        context,
      );
    }
    return store.consume(key, policy.limit, policy.windowMs).then(
      (decision) => this.#settle(decision, key, policy, subject, context),
      (error: unknown) => {
        if (error instanceof RateLimitStoreUnavailable) {
          throw new RampartError(protectErrors.rate_limit_unavailable, {
            headers: { 'Retry-After': '1' },
            context: { policy: policy.name },
            cause: error,
          });
        }
        throw error;
      },
    );
  }

  #settle(
    decision: RateLimitDecision,
    key: string,
    policy: RateLimitPolicy,
    subject: RateLimitSubject,
    context: () => RateLimitContext,
  ): RateLimitOutcome | Promise<never> {
    const headers = {
      'RateLimit-Policy': policy.policyHeader,
      RateLimit: formatRateLimitAfter(policy.rateLimitPrefix, decision.remaining, decision.resetMs),
    };
    if (decision.allowed) return { headers };
    return this.#report(key, policy, subject, context()).then(() => {
      throw new RampartError(protectErrors.quota_exceeded, {
        headers: { ...headers, 'Retry-After': formatRetryAfter(decision.retryAfterMs) },
        context: { policy: policy.name },
      });
    });
  }

  async #report(
    key: string,
    policy: RateLimitPolicy,
    subject: RateLimitSubject,
    context: RateLimitContext,
  ): Promise<void> {
    const now = this.#now();
    const seen = this.#reported.get(key);
    if (seen && now < seen.until) {
      seen.suppressed++;
      return;
    }
    if (seen) this.#reported.delete(key);
    else if (this.#reported.size >= maxReportedKeys) {
      // Forget the oldest report (Map keeps insertion order).
      const oldest = this.#reported.keys().next().value;
      if (oldest !== undefined) this.#reported.delete(oldest);
    }
    this.#reported.set(key, { until: now + policy.windowMs, suppressed: 0 });
    const principal = subject.principal;
    await this.#events.publish({
      type: 'ratelimit.exceeded',
      outcome: 'denied',
      actor: {
        kind: principal ? (principal.kind === 'user' ? 'user' : 'api_key') : 'anonymous',
        ...(principal
          ? { id: principal.kind === 'api_key' && principal.keyId ? principal.keyId : principal.id }
          : {}),
        ip: context.ip,
        ...(context.userAgent ? { userAgent: context.userAgent } : {}),
      },
      target: { type: 'rate_limit_policy', id: policy.name },
      requestId: context.requestId,
      details: {
        policy: policy.name,
        limit: policy.limit,
        window: policy.windowMs / 1000,
        key: policy.key,
        network: subject.network,
        method: subject.method,
        route: subject.route ?? null,
        suppressed: seen?.suppressed ?? 0,
      },
    });
  }
}
