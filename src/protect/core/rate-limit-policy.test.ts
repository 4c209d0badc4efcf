import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { formatRateLimit, formatRateLimitAfter } from './rate-limit-headers.js';
import {
  compilePolicy,
  LivePolicies,
  RateLimitPolicies,
  rateLimitKey,
} from './rate-limit-policy.js';

const rule = { method: '*', window: 60, key: ['ip'] as const };

describe('rate-limit policies', () => {
  const policies = new RateLimitPolicies({
    default: { limit: 100, window: 60, key: ['ip'] },
    routes: [
      { ...rule, name: 'login', method: 'post', url: '/v1/auth/login', limit: 5 },
      { ...rule, url: '/v1/items/*', limit: 10 },
      { ...rule, url: '/v1/items/:id', limit: 20 },
      { ...rule, url: '/v1/open/*', limit: 0 },
    ],
  });

  it('matches method and route pattern once, first entry first, else the default', () => {
    expect(policies.forRoute('POST', '/v1/auth/login')?.name).toBe('login');
    expect(policies.forRoute('GET', '/v1/auth/login')?.name).toBe('default');
    expect(
      new RateLimitPolicies({
        default: { limit: 0, window: 60, key: ['ip'] },
        routes: [{ ...rule, name: 'g', method: 'GET', url: '/x', limit: 1 }],
      }).forRoute('HEAD', '/x')?.name,
    ).toBe('g');
    // The prefix entry comes first and wins over the exact one below it.
    expect(policies.forRoute('GET', '/v1/items/:id')?.name).toBe('route-2');
    expect(policies.forRoute('GET', '/v1/open/x')).toBeNull();
    expect(policies.forRoute('GET', '/v1/other')?.policyHeader).toBe('"default";q=100;w=60');
  });

  it('plans the global policy before the route policy, and splits them by when they can run', () => {
    const withGlobal = new RateLimitPolicies({
      global: { limit: 1000, window: 60, key: ['ip'] },
      default: { limit: 100, window: 60, key: ['user'] },
      routes: [{ ...rule, url: '/health*', limit: 0 }],
    });
    const plan = withGlobal.planFor('GET', '/v1/x');
    expect(plan.early.map((p) => p.name)).toEqual(['global']);
    expect(plan.late.map((p) => p.name)).toEqual(['default']);
    expect(withGlobal.planFor('GET', '/health/ready')).toEqual({ early: [], late: [] });
    // Unmatched requests have no route to authenticate them: everything runs early.
    expect(withGlobal.unmatched.early.map((p) => p.name)).toEqual(['global', 'default']);
    expect(withGlobal.isEmpty).toBe(false);
  });

  it('gives a route taken before a table replacement the new table at its next request', () => {
    const table = (limit: number) =>
      new RateLimitPolicies({
        default: { limit: 0, window: 60, key: ['ip'] },
        routes: [{ ...rule, name: 'x', method: 'GET', url: '/x', limit }],
      });
    const live = new LivePolicies(table(0));
    // Taken once, as the plugin does when the route is registered.
    const route = live.route('/x');
    expect(live.route('/x')).toBe(route);
    expect(route.planFor('GET')).toEqual({ early: [], late: [] });
    live.replace(table(3));
    expect(route.planFor('GET').early.map((p) => p.policyHeader)).toEqual(['"x";q=3;w=60']);
    // HEAD shares the GET entry; a method without one falls to the (disabled) default.
    expect(route.planFor('HEAD').early.map((p) => p.name)).toEqual(['x']);
    expect(route.planFor('POST')).toEqual({ early: [], late: [] });
    expect(route.planFor('GET').early.map((p) => p.name)).toEqual(['x']);
    // A request looks its route up by pattern and reads the plan remembered there, not a
    // new one (a counted plan is a fresh object each time the table is matched).
    expect(live.route('/x').planFor('GET')).toBe(route.planFor('GET'));
    expect(live.route('/x').planFor('HEAD')).toBe(route.planFor('HEAD'));
    live.replace(table(0));
    expect(route.planFor('HEAD')).toEqual({ early: [], late: [] });
    expect(route.planFor('GET')).toEqual({ early: [], late: [] });
  });

  it('refuses one policy name used twice', () => {
    expect(
      () =>
        new RateLimitPolicies({
          default: { limit: 0, window: 60, key: ['ip'] },
          routes: [
            { ...rule, name: 'a', url: '/a', limit: 1 },
            { ...rule, name: 'a', url: '/b', limit: 1 },
          ],
        }),
    ).toThrow(/used twice/);
  });

  it('keys by network, route, user and key, and counts anonymous callers per network', () => {
    const subject = { network: '2001:db8::/64', method: 'GET', route: '/v1/x' };
    const byUser = compilePolicy('u', 10, 60, ['user']);
    expect(byUser.afterAuth).toBe(true);
    expect(rateLimitKey(byUser, { ...subject, principal: { kind: 'user', id: 'u1' } })).toBe(
      'u|user=u1',
    );
    expect(rateLimitKey(byUser, { ...subject, principal: null })).toBe('u|ip=2001:db8::/64');
    const byKey = compilePolicy('k', 10, 60, ['apiKey', 'route']);
    expect(
      rateLimitKey(byKey, { ...subject, principal: { kind: 'api_key', id: 'o1', keyId: 'k1' } }),
    ).toBe('k|key=k1|route=GET /v1/x');
    const byIp = compilePolicy('i', 10, 60, ['ip', 'ip']);
    expect(byIp.afterAuth).toBe(false);
    expect(rateLimitKey(byIp, { ...subject, route: undefined })).toBe('i|ip=2001:db8::/64');
  });

  it('escapes a policy name in the structured header', () => {
    const policy = compilePolicy('a"b\\c', 1, 1, ['ip']);
    expect(policy.policyHeader).toBe('"a\\"b\\\\c";q=1;w=1');
    expect(policy.rateLimitPrefix).toBe('"a\\"b\\\\c";r=');
    expect(formatRateLimit(policy.name, -1, 1001)).toBe('"a\\"b\\\\c";r=0;t=2');
    expect(formatRateLimitAfter(policy.rateLimitPrefix, 7, 1000)).toBe('"a\\"b\\\\c";r=7;t=1');
  });

  it('is configured from the environment for the default and refuses unknown key parts', () => {
    const ok = loadConfig({
      env: {
        RAMPART_RATE_LIMIT_DEFAULT_LIMIT: '50',
        RAMPART_RATE_LIMIT_DEFAULT_KEY: 'ip,route',
        RAMPART_RATE_LIMIT_FAIL_MODE: 'closed',
      },
      noFile: true,
    });
    expect(ok.config?.rateLimit).toMatchObject({
      enabled: true,
      failMode: 'closed',
      default: { limit: 50, window: 60, key: ['ip', 'route'] },
      routes: [],
    });
    expect(() =>
      loadConfig({ env: { RAMPART_RATE_LIMIT_DEFAULT_KEY: 'email' }, noFile: true }),
    ).toThrow();
  });
});
