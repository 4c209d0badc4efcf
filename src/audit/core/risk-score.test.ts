import { describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../events/security-event.js';
import { baseRisk, defaultRiskBase, parseRiskBase, riskScore } from './risk-score.js';

function event(overrides: Partial<SecurityEvent>): SecurityEvent {
  return {
    id: 'e',
    type: 'password.changed',
    time: 0,
    outcome: 'success',
    severity: 'notice',
    actor: { kind: 'user', id: 'u1' },
    details: {},
    ...overrides,
  };
}

describe('riskScore', () => {
  it('starts from 5 for an action without an entry', () => {
    expect(riskScore(event({}), { environment: 'development', base: defaultRiskBase })).toBe(5);
  });

  it('adds 2 in production, 3 without MFA once above 5, 2 on failure, capped at 10', () => {
    const base = defaultRiskBase;
    // 5 + 2 (production) = 7 > 5, + 3 (no MFA) = 10.
    expect(riskScore(event({}), { environment: 'production', base })).toBe(10);
    // With MFA: 5 + 2 = 7.
    expect(riskScore(event({ details: { mfa: true } }), { environment: 'production', base })).toBe(
      7,
    );
    // Key management 9 + 3 without MFA + 2 failure = 14 → 10.
    expect(
      riskScore(event({ type: 'apikey.created', outcome: 'failure' }), {
        environment: 'development',
        base,
      }),
    ).toBe(10);
    // A failed anonymous login: 5 + 2.
    expect(
      riskScore(
        event({ type: 'auth.login.failed', outcome: 'failure', actor: { kind: 'anonymous' } }),
        {
          environment: 'development',
          base,
        },
      ),
    ).toBe(7);
  });

  it('counts a second factor named in amr, and adds 2 for a denial as for a failure', () => {
    const base = defaultRiskBase;
    // 5 + 2 (production) = 7, and no +3: the actor proved a one-time code.
    expect(
      riskScore(event({ details: { amr: ['pwd', 'otp'] } }), { environment: 'production', base }),
    ).toBe(7);
    expect(
      riskScore(event({ details: { amr: ['pwd'] } }), { environment: 'production', base }),
    ).toBe(10);
    // 5 + 2 (denied).
    expect(riskScore(event({ outcome: 'denied' }), { environment: 'development', base })).toBe(7);
  });

  it('takes the longest matching prefix whatever the order of the table', () => {
    const table = { ...defaultRiskBase, ...parseRiskBase(['auth.token.*=1', 'auth.*=4']) };
    expect(baseRisk('auth.token.rejected', table)).toBe(1);
    expect(baseRisk('auth.login.failed', table)).toBe(4);
  });

  it('takes configured scores over the table, exact before the longest prefix', () => {
    const table = { ...defaultRiskBase, ...parseRiskBase(['auth.*=4', 'auth.logout=0']) };
    expect(baseRisk('auth.logout', table)).toBe(0);
    expect(baseRisk('auth.token.rejected', table)).toBe(4);
    expect(baseRisk('deploy.production', table)).toBe(8);
    expect(baseRisk('config.read', table)).toBe(1);
  });
});
