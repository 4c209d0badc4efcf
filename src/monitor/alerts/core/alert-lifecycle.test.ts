import { describe, expect, it } from 'vitest';
import { newAlertInstance, stepAlert } from './alert-lifecycle.js';
import type { AlertInstance } from './alert-rule.js';

type Timing = { for: number; cooldown: number; repeatInterval: number };

/** Runs an alert through a list of (time, active, silenced) evaluations; collects what it does. */
function run(rule: Timing, steps: [number, boolean, boolean?][]) {
  let state: AlertInstance = newAlertInstance('fp', 'rule', {});
  const out: string[] = [];
  for (const [now, active, silenced] of steps) {
    const step = stepAlert(rule, state, {
      active,
      value: active ? 10 : 0,
      now,
      silenced: silenced ?? false,
    });
    if (step.transition) out.push(`${now}:${step.transition}`);
    if (step.notify) out.push(`${now}:notify-${step.notify}`);
    state = step.next ?? newAlertInstance('fp', 'rule', {});
  }
  return { out, state };
}

describe('stepAlert', () => {
  it('goes pending, fires once the for duration has passed, and sends exactly one resolved notification', () => {
    const { out } = run({ for: 10, cooldown: 0, repeatInterval: 0 }, [
      [0, true],
      [5_000, true],
      [10_000, true],
      [15_000, true],
      [20_000, false],
      [25_000, false],
      [30_000, false],
    ]);
    expect(out).toEqual([
      '0:pending',
      '10000:firing',
      '10000:notify-firing',
      '20000:resolved',
      '20000:notify-resolved',
    ]);
  });

  it('returns to inactive without a notification when the condition clears while pending', () => {
    const { out, state } = run({ for: 10, cooldown: 0, repeatInterval: 0 }, [
      [0, true],
      [5_000, false],
      [20_000, false],
    ]);
    expect(out).toEqual(['0:pending']);
    expect(state.state).toBe('inactive');
  });

  it('fires at once with for 0', () => {
    const { out } = run({ for: 0, cooldown: 0, repeatInterval: 0 }, [[0, true]]);
    expect(out).toEqual(['0:firing', '0:notify-firing']);
  });

  it('sends nothing for a silenced alert: neither firing nor resolved', () => {
    const { out } = run({ for: 0, cooldown: 0, repeatInterval: 0 }, [
      [0, true, true],
      [1_000, true, true],
      [2_000, false, true],
    ]);
    expect(out).toEqual(['0:firing', '2000:resolved']);
  });

  it('notifies a firing alert once its silence ends, then resolves it once', () => {
    const { out } = run({ for: 0, cooldown: 0, repeatInterval: 0 }, [
      [0, true, true],
      [1_000, true, false],
      [2_000, true, false],
      [3_000, false, false],
    ]);
    expect(out).toEqual([
      '0:firing',
      '1000:notify-firing',
      '3000:resolved',
      '3000:notify-resolved',
    ]);
  });

  it('keeps a flapping alert quiet within its cooldown: one firing and one resolved notification', () => {
    const { out } = run({ for: 0, cooldown: 60, repeatInterval: 0 }, [
      [0, true],
      [1_000, false],
      [2_000, true],
      [3_000, false],
      [4_000, true],
      [5_000, false],
    ]);
    expect(out.filter((o) => o.includes('notify'))).toEqual([
      '0:notify-firing',
      '1000:notify-resolved',
    ]);
    expect(out.filter((o) => o.endsWith(':firing'))).toHaveLength(3);
  });

  it('notifies again after the cooldown has passed', () => {
    const { out } = run({ for: 0, cooldown: 10, repeatInterval: 0 }, [
      [0, true],
      [1_000, false],
      [11_000, true],
      [12_000, false],
    ]);
    expect(out.filter((o) => o.includes('notify'))).toEqual([
      '0:notify-firing',
      '1000:notify-resolved',
      '11000:notify-firing',
      '12000:notify-resolved',
    ]);
  });

  it('notifies again as soon as the cooldown has run, not a step later', () => {
    const { out } = run({ for: 0, cooldown: 10, repeatInterval: 0 }, [
      [0, true],
      [1_000, false],
      [9_999, true],
      [9_999.5, false],
      [10_000, true],
    ]);
    expect(out.filter((o) => o.includes('notify'))).toEqual([
      '0:notify-firing',
      '1000:notify-resolved',
      '10000:notify-firing',
    ]);
  });

  it('repeats the firing notification every repeatInterval while it fires', () => {
    const { out } = run({ for: 0, cooldown: 0, repeatInterval: 10 }, [
      [0, true],
      [5_000, true],
      [10_000, true],
      [15_000, true],
      [20_000, true],
    ]);
    expect(out.filter((o) => o.includes('notify'))).toEqual([
      '0:notify-firing',
      '10000:notify-firing',
      '20000:notify-firing',
    ]);
  });

  it('bumps the version on every write so a stale writer loses', () => {
    const first = stepAlert(
      { for: 0, cooldown: 0, repeatInterval: 0 },
      newAlertInstance('fp', 'r', {}),
      {
        active: true,
        value: 1,
        now: 0,
        silenced: false,
      },
    );
    expect(first.next?.version).toBe(1);
  });
});
