import type { CounterStore, ExpiringValueStore } from '../../storage/hot-state.js';

export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  /** First lockout; doubled for each repeat within a day. */
  durationMs: number;
  maxDurationMs: number;
  ipMaxFailures: number;
}

export type Reservation =
  | { allowed: true; attempt: number }
  | { allowed: false; reason: 'account_locked' | 'ip_throttled'; retryAfterMs: number };

const dayMs = 86_400_000;

/**
 * Brute-force protection for password and MFA steps, in the hot store so every node
 * counts together.
 *
 * The budget holds under concurrency because an attempt is *reserved* before the
 * credentials are checked: the atomic increment hands out attempt numbers 1, 2, 3…, and
 * only numbers within the budget get to verify. Twenty simultaneous wrong guesses against
 * a budget of five therefore verify five passwords, never more; the failure that uses up
 * the budget (attempt number == budget) locks the account, exactly once.
 *
 * Accounts are keyed by normalised email whether or not they exist, so locking reveals
 * nothing about which emails are registered. IPs are keyed by network (IPv6 /64).
 */
export class LoginThrottle {
  constructor(
    private readonly counters: CounterStore,
    private readonly values: ExpiringValueStore,
    private readonly policy: LockoutPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async reserve(identity: string, network: string): Promise<Reservation> {
    const lockedUntil = await this.values.get(`lock:acct:${identity}`);
    if (lockedUntil !== undefined) {
      return {
        allowed: false,
        reason: 'account_locked',
        retryAfterMs: Math.max(0, Number(lockedUntil) - this.now()),
      };
    }
    const ipFailures = await this.counters.get(`fail:ip:${network}`);
    if (ipFailures >= this.policy.ipMaxFailures) {
      return { allowed: false, reason: 'ip_throttled', retryAfterMs: this.policy.windowMs };
    }
    const { count, resetInMs } = await this.counters.increment(
      `att:acct:${identity}`,
      this.policy.windowMs,
    );
    if (count > this.policy.maxFailures)
      return { allowed: false, reason: 'account_locked', retryAfterMs: resetInMs };
    return { allowed: true, attempt: count };
  }

  /**
   * Records a failed attempt. Resolves with the lockout when this failure used up the
   * budget (the caller notifies the owner and emits the event).
   */
  async fail(
    identity: string,
    network: string,
    attempt: number,
  ): Promise<{ lockedForMs: number; lockoutCount: number } | undefined> {
    await this.counters.increment(`fail:ip:${network}`, this.policy.windowMs);
    if (attempt !== this.policy.maxFailures) return undefined;
    const { count } = await this.counters.increment(`lockouts:${identity}`, dayMs);
    const lockedForMs = Math.min(
      this.policy.durationMs * 2 ** (count - 1),
      this.policy.maxDurationMs,
    );
    await this.values.set(`lock:acct:${identity}`, String(this.now() + lockedForMs), lockedForMs);
    await this.counters.reset(`att:acct:${identity}`);
    return { lockedForMs, lockoutCount: count };
  }

  /**
   * Locks an account for `durationMs` now (an administrator or an automated response),
   * keeping a longer lock. Such a lock is *imposed*: a password reset does not lift it
   * (see {@link liftFailureLockout}); only {@link unlock} does.
   */
  async lock(identity: string, durationMs: number): Promise<number> {
    const until = Math.max(this.now() + durationMs, (await this.lockedUntil(identity)) ?? 0);
    const ttl = until - this.now();
    await this.values.set(`lock:imposed:${identity}`, String(until), ttl);
    await this.values.set(`lock:acct:${identity}`, String(until), ttl);
    return until;
  }

  /**
   * What a password reset lifts: failures and a lockout they caused, but not a lock an
   * administrator or an automated response imposed — whoever reads the mailbox of a
   * suspended account must not be able to unsuspend it.
   */
  async liftFailureLockout(identity: string): Promise<void> {
    if ((await this.values.get(`lock:imposed:${identity}`)) !== undefined) {
      await this.counters.reset(`att:acct:${identity}`);
      return;
    }
    await this.unlock(identity);
  }

  /** A successful attempt clears the account's failures (not its lockout history). */
  async succeed(identity: string): Promise<void> {
    await this.counters.reset(`att:acct:${identity}`);
  }

  /** Lifts a lockout and its failures (an administrator, or an automated response undone). */
  async unlock(identity: string): Promise<void> {
    await Promise.all([
      this.values.delete(`lock:acct:${identity}`),
      this.values.delete(`lock:imposed:${identity}`),
      this.counters.reset(`att:acct:${identity}`),
      this.counters.reset(`lockouts:${identity}`),
    ]);
  }

  /** When the account's lockout ends, if it is locked. */
  async lockedUntil(identity: string): Promise<number | undefined> {
    const v = await this.values.get(`lock:acct:${identity}`);
    return v === undefined ? undefined : Number(v);
  }
}
