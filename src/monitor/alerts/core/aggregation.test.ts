import { describe, expect, it } from 'vitest';
import {
  aggregateMetric,
  aggregateSignals,
  alertFingerprint,
  combineNodes,
  compare,
} from './aggregation.js';
import { isSilenced, matcherHolds } from './silences.js';

const samples = [
  { time: 0, value: 10 },
  { time: 1000, value: 14 },
  { time: 2000, value: 2 }, // a counter reset: counts as +2
  { time: 4000, value: 6 },
];

describe('aggregations', () => {
  it('reads a counter increase as count, per second as rate, and a reset as a restart from 0', () => {
    expect(aggregateMetric('count', samples)).toBe(4 + 2 + 4);
    expect(aggregateMetric('rate', samples)).toBe(10 / 4);
    expect(aggregateMetric('avg', samples)).toBe(8);
    expect(aggregateMetric('max', samples)).toBe(14);
    expect(aggregateMetric('rate', [{ time: 0, value: 5 }])).toBe(0);
    expect(aggregateMetric('avg', [])).toBeUndefined();
  });

  it("combines the nodes' aggregations: counts and rates add up, avg is their mean, max the largest", () => {
    expect(combineNodes('count', [3, 4])).toBe(7);
    expect(combineNodes('rate', [0.5, 0.25])).toBe(0.75);
    expect(combineNodes('avg', [2, 4])).toBe(3);
    expect(combineNodes('max', [2, 9, 4])).toBe(9);
    // One node: its value unchanged (a single node evaluates as it always did).
    expect(combineNodes('rate', [1.5])).toBe(1.5);
    expect(combineNodes('max', [])).toBeUndefined();
  });

  it('counts signals, their rate over the window, and avg/max of their evidence', () => {
    expect(aggregateSignals('count', [1, 1, 1], 60)).toBe(3);
    expect(aggregateSignals('rate', [1, 1, 1], 60)).toBe(0.05);
    expect(aggregateSignals('avg', [2, 4], 60)).toBe(3);
    expect(aggregateSignals('max', [2, 4], 60)).toBe(4);
    expect(aggregateSignals('max', [], 60)).toBeUndefined();
  });

  it('compares with every operator', () => {
    expect([
      compare('gt', 2, 1),
      compare('gte', 1, 1),
      compare('lt', 0, 1),
      compare('lte', 1, 1),
      compare('eq', 1, 1),
    ]).toEqual([true, true, true, true, true]);
    expect([compare('gt', 1, 1), compare('lt', 1, 1), compare('eq', 1, 2)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('gives one fingerprint per rule and label set, whatever the label order', () => {
    expect(alertFingerprint('r', { a: '1', b: '2' })).toBe(
      alertFingerprint('r', { b: '2', a: '1' }),
    );
    expect(alertFingerprint('r', { a: '1' })).not.toBe(alertFingerprint('r2', { a: '1' }));
    expect(alertFingerprint('r', { a: '1' })).not.toBe(alertFingerprint('r', { a: '2' }));
  });
});

describe('silences', () => {
  const labels = { alertname: 'brute-force', key: '203.0.113.7', severity: 'high' };

  it('matches equality, inequality and anchored regular expressions', () => {
    expect(matcherHolds({ label: 'severity', op: '=', value: 'high' }, labels)).toBe(true);
    expect(matcherHolds({ label: 'severity', op: '!=', value: 'high' }, labels)).toBe(false);
    expect(matcherHolds({ label: 'key', op: '=~', value: '203\\.0\\.113\\..*' }, labels)).toBe(
      true,
    );
    // Anchored: a pattern matching only part of the value does not hold.
    expect(matcherHolds({ label: 'key', op: '=~', value: '113' }, labels)).toBe(false);
    expect(matcherHolds({ label: 'key', op: '!~', value: '10\\..*' }, labels)).toBe(true);
    expect(matcherHolds({ label: 'absent', op: '=', value: '' }, labels)).toBe(true);
  });

  it('silences only within its time range and only when every matcher holds', () => {
    const silence = {
      id: 's',
      matchers: [
        { label: 'alertname', op: '=' as const, value: 'brute-force' },
        { label: 'severity', op: '=~' as const, value: 'high|critical' },
      ],
      startsAt: 1000,
      endsAt: 2000,
      comment: '',
      createdBy: null,
      createdAt: 0,
    };
    expect(isSilenced([silence], labels, 1500)).toBe(true);
    expect(isSilenced([silence], labels, 999)).toBe(false);
    expect(isSilenced([silence], labels, 2000)).toBe(false);
    expect(isSilenced([silence], { ...labels, severity: 'low' }, 1500)).toBe(false);
  });
});
