import { describe, expect, it } from 'vitest';
import { createMemoryHotStore } from '../../storage/memory/memory-hot-store.js';
import { LoginThrottle } from './login-throttle.js';

function setup() {
  let now = 1_800_000_000_000;
  const hot = createMemoryHotStore({ now: () => now });
  const throttle = new LoginThrottle(
    hot.counters,
    hot.values,
    {
      maxFailures: 5,
      windowMs: 900_000,
      durationMs: 900_000,
      maxDurationMs: 3_600_000,
      ipMaxFailures: 50,
    },
    () => now,
  );
  return { throttle, advance: (ms: number) => (now += ms) };
}

async function failAll(throttle: LoginThrottle, identity: string, n: number) {
  let lock: Awaited<ReturnType<LoginThrottle['fail']>>;
  for (let i = 0; i < n; i++) {
    const r = await throttle.reserve(identity, '198.51.100.1');
    if (r.allowed) lock = (await throttle.fail(identity, '198.51.100.1', r.attempt)) ?? lock;
  }
  return lock;
}

describe('the login throttle', () => {
  it('hands out at most the budget of attempts to twenty concurrent callers', async () => {
    const { throttle } = setup();
    const reservations = await Promise.all(
      Array.from({ length: 20 }, () => throttle.reserve('a@example.com', '198.51.100.1')),
    );
    expect(reservations.filter((r) => r.allowed)).toHaveLength(5);
  });

  it('locks on the failure that uses up the budget, exactly once', async () => {
    const { throttle } = setup();
    const lock = await failAll(throttle, 'a@example.com', 5);
    expect(lock).toEqual({ lockedForMs: 900_000, lockoutCount: 1 });
    expect(await throttle.reserve('a@example.com', '198.51.100.1')).toMatchObject({
      allowed: false,
      reason: 'account_locked',
    });
  });

  it('doubles the lockout for each repeat within a day, up to the maximum', async () => {
    const { throttle, advance } = setup();
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      const lock = await failAll(throttle, 'a@example.com', 5);
      durations.push(lock?.lockedForMs ?? 0);
      advance(lock?.lockedForMs ?? 0);
    }
    expect(durations).toEqual([900_000, 1_800_000, 3_600_000, 3_600_000]);
  });

  it('ends the lockout when its time is up', async () => {
    const { throttle, advance } = setup();
    await failAll(throttle, 'a@example.com', 5);
    advance(899_000);
    expect((await throttle.reserve('a@example.com', '198.51.100.1')).allowed).toBe(false);
    advance(2_000);
    expect((await throttle.reserve('a@example.com', '198.51.100.1')).allowed).toBe(true);
  });

  it('clears failures on success and lifts a lock on unlock', async () => {
    const { throttle } = setup();
    await failAll(throttle, 'a@example.com', 4);
    await throttle.succeed('a@example.com');
    expect(await failAll(throttle, 'a@example.com', 4)).toBeUndefined();
    await failAll(throttle, 'b@example.com', 5);
    await throttle.unlock('b@example.com');
    expect((await throttle.reserve('b@example.com', '198.51.100.1')).allowed).toBe(true);
    expect(await throttle.lockedUntil('b@example.com')).toBeUndefined();
  });

  it('throttles a network after its failure budget, whatever accounts it tries', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 50; i++) {
      const r = await throttle.reserve(`user${i}@example.com`, '2001:db8::/64');
      if (r.allowed) await throttle.fail(`user${i}@example.com`, '2001:db8::/64', r.attempt);
    }
    expect(await throttle.reserve('fresh@example.com', '2001:db8::/64')).toMatchObject({
      allowed: false,
      reason: 'ip_throttled',
    });
    expect((await throttle.reserve('fresh@example.com', '2001:db8:1::/64')).allowed).toBe(true);
  });
});
