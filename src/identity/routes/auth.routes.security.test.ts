/**
 * Attack: account enumeration through the login endpoint. An attacker who can tell
 * "no such account" from "wrong password" (by status, code, body shape, headers, or by
 * how long the answer takes) learns which emails are registered, and can then aim
 * credential stuffing or phishing at exactly those people. Every login failure must be
 * the same 401 invalid_credentials, identical apart from the request id, in about the
 * same time: an unknown email is verified against a dummy hash of equal cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, registerUser, type TestUser } from '../../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

describe('login failures do not reveal which accounts exist', () => {
  let r: TestRampart;
  let user: TestUser;
  beforeAll(async () => {
    // The timing test may take up to 92 failed logins from one address: above the default
    // per-IP budget (50), which would turn a retried round into 429s instead of timings.
    r = await startTestRampart({ overrides: { lockout: { ipMaxFailures: 100_000 } } });
    user = await registerUser(r, 'known@example.com');
  });
  afterAll(async () => r?.close());

  function attempt(email: string, password: string) {
    return r.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  }

  it('answers an unknown email and a wrong password with the same 401 document', async () => {
    const unknown = await attempt('nobody@example.com', strongPassword());
    const wrong = await attempt(user.email, strongPassword());
    const a = expectProblem(unknown, 401, 'invalid_credentials');
    const b = expectProblem(wrong, 401, 'invalid_credentials');
    const { requestId: _a, ...restA } = a;
    const { requestId: _b, ...restB } = b;
    expect(restA).toEqual(restB);

    const volatile = new Set(['x-request-id', 'date', 'content-length']);
    const headers = (res: typeof unknown) =>
      Object.fromEntries(Object.entries(res.headers).filter(([k]) => !volatile.has(k)));
    expect(headers(unknown)).toEqual(headers(wrong));
    expect(unknown.headers['www-authenticate']).toBeUndefined();
  });

  it('answers the right password with different casing the same way as any wrong one', async () => {
    const res = await attempt(user.email, user.password.toUpperCase());
    expectProblem(res, 401, 'invalid_credentials');
  });

  async function measureRatio(samples: number): Promise<{ ratio: number; detail: string }> {
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Interleaved, alternating order, so drift in machine load hits both series alike.
      const ghost = `ghost${Math.random().toString(36).slice(2)}@example.com`;
      const order: [string, number[]][] =
        i % 2 === 0
          ? [
              [ghost, unknown],
              [user.email, wrong],
            ]
          : [
              [user.email, wrong],
              [ghost, unknown],
            ];
      for (const [email, series] of order) {
        const start = performance.now();
        const res = await attempt(email, strongPassword());
        series.push(performance.now() - start);
        expect(res.statusCode).toBe(401);
      }
    }
    const mu = median(unknown);
    const mw = median(wrong);
    return {
      ratio: Math.max(mu, mw) / Math.min(mu, mw),
      detail: `unknown ${mu.toFixed(1)} ms, wrong ${mw.toFixed(1)} ms`,
    };
  }

  it('takes statistically similar time for an unknown email and a wrong password', async () => {
    await attempt('warmup@example.com', strongPassword());
    await attempt(user.email, strongPassword());
    // A leak is a gap of an order of magnitude (no hash vs one argon2id verification) in
    // every round; a busy shared machine can skew one round past 30%, not three.
    const rounds: string[] = [];
    for (let round = 0; round < 3; round++) {
      const { ratio, detail } = await measureRatio(15);
      rounds.push(`${detail} (x${ratio.toFixed(2)})`);
      if (ratio < 1.3) return;
    }
    expect.fail(`login timing differs in every round: ${rounds.join('; ')}`);
  });
});
