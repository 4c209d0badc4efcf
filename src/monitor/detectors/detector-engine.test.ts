import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { testHotStoreKinds, uniqueRedisPrefix } from '../../../test/support/test-databases.js';
import { type DeepPartial, loadConfig, type RawConfig } from '../../config/index.js';
import { EventBus } from '../../events/event-bus.js';
import type { SecurityEvent, SecurityEventInput } from '../../events/security-event.js';
import type { HotStore } from '../../storage/hot-state.js';
import { createMemoryHotStore } from '../../storage/memory/memory-hot-store.js';
import { createRedisHotStore } from '../../storage/redis/redis-hot-store.js';
import { DetectorEngine } from './detector-engine.js';
import { isOffHours } from './detector-rules.js';
import type { DetectorSignal } from './detector-signal.js';

function setup(
  detectors: DeepPartial<RawConfig['detectors']> = {},
  start = Date.UTC(2026, 0, 6, 12),
  shared?: HotStore,
) {
  let now = start;
  const clock = { advance: (ms: number) => (now += ms) };
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: {
      masterKey: randomBytes(32).toString('base64'),
      detectors,
    } as DeepPartial<RawConfig>,
  });
  const hot = shared ?? createMemoryHotStore({ now: () => now });
  const signals: DetectorSignal[] = [];
  const bus = new EventBus({
    onHandlerError: (e) => {
      throw e;
    },
    now: () => now,
  });
  bus.subscribe('collect', (e) => {
    if (e.type === 'detector.signal') signals.push(e.details as unknown as DetectorSignal);
  });
  const engine = new DetectorEngine({
    config,
    counters: hot.counters,
    sets: hot.sets,
    events: bus,
    onError: (e) => {
      throw e;
    },
    now: () => now,
  });
  engine.attach(bus);
  const publish = async (input: SecurityEventInput, times = 1): Promise<void> => {
    for (let i = 0; i < times; i++) await bus.publish(input);
    await engine.settle();
  };
  return { engine, hot, signals, publish, clock };
}

const failed = (ip: string, accountId?: string): SecurityEventInput => ({
  type: 'auth.login.failed',
  outcome: 'failure',
  actor: { kind: 'anonymous', ip },
  target: { type: 'account', ...(accountId ? { id: accountId } : {}) },
  details: { reason: 'wrong_password' },
});

let hot: HotStore | undefined;
afterEach(async () => {
  await hot?.close();
  hot = undefined;
});

describe('DetectorEngine', () => {
  it('signals brute force from one address at the threshold, once per window, with evidence', async () => {
    const t = setup({ bruteForceIp: { threshold: 5, window: 60 } });
    hot = t.hot;
    await t.publish(failed('198.51.100.1'), 4);
    expect(t.signals).toHaveLength(0);
    await t.publish(failed('198.51.100.1'));
    expect(t.signals).toHaveLength(1);
    const s = t.signals[0] as DetectorSignal;
    expect(s).toMatchObject({ detector: 'bruteForceIp', severity: 'high', key: '198.51.100.1' });
    expect(s.evidence).toMatchObject({
      ip: '198.51.100.1',
      count: 5,
      threshold: 5,
      windowSeconds: 60,
    });
    await t.publish(failed('198.51.100.1'), 20);
    expect(t.signals).toHaveLength(1);
  });

  it('fires again in a later window, and the previous window still weighs while it overlaps', async () => {
    const t = setup({ bruteForceIp: { threshold: 5, window: 60 } });
    hot = t.hot;
    await t.publish(failed('198.51.100.2'), 5);
    expect(t.signals).toHaveLength(1);
    t.clock.advance(61_000);
    // 5 in the previous bucket, most of it still inside the sliding window: 1 more is enough.
    await t.publish(failed('198.51.100.2'), 1);
    expect(t.signals).toHaveLength(2);
    t.clock.advance(10 * 60_000);
    await t.publish(failed('198.51.100.2'), 4);
    const before = t.signals.length;
    await t.publish(failed('198.51.100.2'), 1);
    expect(t.signals.length).toBe(before + 1);
  });

  it('forgets the part of the previous window that slid out of it', async () => {
    const t = setup({ bruteForceIp: { threshold: 5, window: 60 } });
    hot = t.hot;
    await t.publish(failed('198.51.100.4'), 4);
    // 50 s into the next bucket, a sixth of the previous one is still in the window:
    // its four failures weigh as one, and one more failure makes two, not five.
    t.clock.advance(110_000);
    await t.publish(failed('198.51.100.4'), 1);
    expect(t.signals).toHaveLength(0);
    await t.publish(failed('198.51.100.4'), 2);
    expect(t.signals).toHaveLength(0);
    await t.publish(failed('198.51.100.4'), 1);
    expect(t.signals).toHaveLength(1);
  });

  it('signals a burst at the threshold that crosses a bucket boundary', async () => {
    // Two failures 300 ms before a minute boundary, three just after it: five within a
    // second. Rounded down, the previous bucket's two weighed as one, and nothing fired.
    const t = setup({ bruteForceIp: { threshold: 5, window: 60 } }, Date.UTC(2026, 0, 6, 12) - 300);
    hot = t.hot;
    await t.publish(failed('198.51.100.3'), 2);
    t.clock.advance(600);
    await t.publish(failed('198.51.100.3'), 2);
    expect(t.signals).toHaveLength(0);
    await t.publish(failed('198.51.100.3'), 1);
    expect(t.signals).toHaveLength(1);
    expect(t.signals[0]?.evidence).toMatchObject({ count: 5, threshold: 5 });
  });

  it('counts per account, and distinct accounts per address for credential stuffing', async () => {
    const t = setup({
      bruteForceIp: { threshold: 1000 },
      bruteForceAccount: { threshold: 3, window: 300 },
      stuffingIp: { threshold: 3, window: 600 },
    });
    hot = t.hot;
    // The same account again and again is brute force on it, not stuffing.
    await t.publish(failed('198.51.100.3', 'acct-1'), 3);
    expect(t.signals.map((s) => s.detector)).toEqual(['bruteForceAccount']);
    await t.publish(failed('198.51.100.3', 'acct-2'));
    await t.publish(failed('198.51.100.3', 'acct-3'));
    expect(t.signals.map((s) => s.detector)).toEqual(['bruteForceAccount', 'stuffingIp']);
    expect(t.signals[1]?.evidence).toMatchObject({ ip: '198.51.100.3', count: 3 });
  });

  it('signals many networks on one account', async () => {
    const t = setup({ stuffingAccount: { threshold: 3 }, bruteForceAccount: { threshold: 1000 } });
    hot = t.hot;
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await t.publish(failed(ip, 'acct-9'));
    expect(t.signals.map((s) => [s.detector, s.key])).toEqual([['stuffingAccount', 'acct-9']]);
    expect(t.signals[0]?.evidence.accountId).toBe('acct-9');
  });

  it.each<[string, SecurityEventInput, Record<string, unknown>]>([
    [
      'replay',
      {
        type: 'signature.replayed',
        outcome: 'denied',
        actor: { kind: 'anonymous', ip: '192.0.2.9' },
        target: { type: 'api_key', id: 'key-1' },
        details: {},
      },
      { detector: 'replay', key: '192.0.2.9' },
    ],
    [
      'refreshReuse',
      {
        type: 'auth.refresh.reused',
        outcome: 'denied',
        actor: { kind: 'user', id: 'acct-5', ip: '192.0.2.10' },
        details: {},
      },
      { detector: 'refreshReuse', key: 'acct-5', severity: 'critical' },
    ],
    [
      'leakedSecret',
      {
        type: 'secret.detected',
        outcome: 'failure',
        actor: { kind: 'system' },
        details: { fingerprint: 'fp-1', apiKeyId: 'key-7' },
      },
      { detector: 'leakedSecret', key: 'fp-1' },
    ],
  ])('signals %s on the first event', async (_name, input, expected) => {
    const t = setup({ replay: { threshold: 1 } });
    hot = t.hot;
    await t.publish(input);
    expect(t.signals[0]).toMatchObject(expected);
  });

  it('signals privilege escalation only for denials on admin resources', async () => {
    const t = setup({ privilegeEscalation: { threshold: 2 } });
    hot = t.hot;
    const denied = (route: string): SecurityEventInput => ({
      type: 'authz.denied',
      outcome: 'denied',
      actor: { kind: 'user', id: 'acct-7', ip: '192.0.2.20' },
      target: { type: 'route', id: route },
      details: { roles: [] },
    });
    await t.publish(denied('GET /v1/me/things'), 5);
    expect(t.signals).toHaveLength(0);
    await t.publish(denied('POST /v1/admin/ip-rules'), 2);
    expect(t.signals[0]).toMatchObject({ detector: 'privilegeEscalation', key: 'acct-7' });
    expect(t.signals[0]?.evidence.accountId).toBe('acct-7');
  });

  it('signals rate-limit abuse counting the refusals a report stands for', async () => {
    const t = setup({ rateLimitAbuse: { threshold: 50 } });
    hot = t.hot;
    await t.publish({
      type: 'ratelimit.exceeded',
      outcome: 'denied',
      actor: { kind: 'anonymous', ip: '192.0.2.30' },
      details: { suppressed: 60 },
    });
    expect(t.signals[0]).toMatchObject({ detector: 'rateLimitAbuse', key: '192.0.2.30' });
  });

  it('signals admin operations off hours only', async () => {
    const monday = Date.UTC(2026, 0, 5, 10);
    const t = setup({ offHoursAdmin: { enabled: true } }, monday);
    hot = t.hot;
    const op: SecurityEventInput = {
      type: 'ip.rule.added',
      outcome: 'success',
      actor: { kind: 'user', id: 'admin-1', ip: '192.0.2.40' },
      details: {},
    };
    await t.publish(op);
    expect(t.signals).toHaveLength(0);
    t.clock.advance(12 * 3_600_000); // 22:00
    await t.publish(op);
    expect(t.signals[0]).toMatchObject({ detector: 'offHoursAdmin', key: 'admin-1' });
  });

  it('ignores events no detector watches, without scheduling work', async () => {
    const t = setup();
    hot = t.hot;
    const event = { type: 'auth.login.succeeded', actor: { kind: 'user' } } as SecurityEvent;
    t.engine.observe(event);
    expect(t.engine.stats()).toMatchObject({ observed: 0, pendingKeys: 0 });
  });

  it('isOffHours follows the configured days, hours and offset', () => {
    const policy = {
      startHour: 8,
      endHour: 18,
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
      utcOffset: 60,
    };
    expect(isOffHours(Date.UTC(2026, 0, 5, 8), policy)).toBe(false); // 09:00 local, Monday
    expect(isOffHours(Date.UTC(2026, 0, 5, 17), policy)).toBe(true); // 18:00 local
    expect(isOffHours(Date.UTC(2026, 0, 4, 12), policy)).toBe(true); // Sunday
  });
});

// The memory hot store counts in this process (DetectorWindow.countNow); Redis, shared by
// every node, counts through promises (DetectorWindow.count). Both must fire alike.
for (const kind of testHotStoreKinds()) {
  describe(`DetectorEngine on the ${kind} hot store`, () => {
    const open = async (): Promise<HotStore> => {
      if (kind === 'memory') return createMemoryHotStore();
      const url = process.env.RAMPART_TEST_REDIS_URL as string;
      return createRedisHotStore({ url, keyPrefix: uniqueRedisPrefix() });
    };

    it('signals at the threshold, once per window, and once across nodes sharing the store', async () => {
      const shared = await open();
      hot = shared;
      const limits = { bruteForceIp: { threshold: 5, window: 60 } };
      const a = setup(limits, Date.now(), shared);
      const b = setup(limits, Date.now(), shared);
      await a.publish(failed('198.51.100.61'), 4);
      expect(a.signals).toHaveLength(0);
      await a.publish(failed('198.51.100.61'));
      expect(a.signals).toHaveLength(1);
      await a.publish(failed('198.51.100.61'), 10);
      expect(a.signals).toHaveLength(1);
      // Another node sees the same attacker: the count is shared, the signal was given.
      await b.publish(failed('198.51.100.61'), 6);
      expect(b.signals).toHaveLength(0);
    });

    it('counts each account once per address for credential stuffing', async () => {
      const t = setup(
        {
          bruteForceIp: { threshold: 1000 },
          bruteForceAccount: { threshold: 1000 },
          stuffingIp: { threshold: 3, window: 600 },
        },
        Date.now(),
        await open(),
      );
      hot = t.hot;
      // Each publish is flushed on its own: an account seen in an earlier flush is not new.
      for (let i = 0; i < 3; i++) {
        await t.publish(failed('198.51.100.62', 'acct-1'));
        await t.publish(failed('198.51.100.62', 'acct-2'));
      }
      expect(t.signals).toHaveLength(0);
      await t.publish(failed('198.51.100.62', 'acct-3'));
      expect(t.signals.map((s) => [s.detector, s.evidence.count])).toEqual([['stuffingIp', 3]]);
    });
  });
}
