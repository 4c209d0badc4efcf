import type { AccountStatus, AdminLock } from '../store.js';

/**
 * The status an account has at `now`: an administrator's lock whose time ran out no longer
 * disables it. Adapters apply this when they read an account, so every check of `status`
 * (sign-in, refresh, API keys, password reset) sees a lock end without a write.
 */
export function statusAt(
  stored: AccountStatus,
  lock: AdminLock | undefined,
  now: number,
): { status: AccountStatus; adminLock?: AdminLock } {
  if (stored !== 'disabled' || lock === undefined) return { status: stored };
  return lock.until <= now ? { status: 'active' } : { status: 'disabled', adminLock: lock };
}
