import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { checkGatewayRoutes, gatewayRateLimitRules } from './route-table.js';

function gateway(routes: unknown[]) {
  return loadConfig({
    env: {},
    noFile: true,
    overrides: { gateway: { upstream: 'http://127.0.0.1:9', routes } } as never,
  }).config.gateway;
}

describe('gateway configuration', () => {
  it('fills defaults: method *, no signature, no idempotency, 30 s timeout', () => {
    const g = gateway([{ path: '/api/*', auth: 'jwt' }]);
    expect(g.timeout).toBe(30);
    expect(g.routes[0]).toMatchObject({ method: '*', signature: false, idempotency: false });
    expect(g.circuitBreaker).toEqual({ failures: 5, openDuration: 30 });
  });

  it('refuses an unknown auth mode and unknown fields at boot', () => {
    expect(() => gateway([{ path: '/api/*', auth: 'basic' }])).toThrow();
    expect(() => gateway([{ path: '/api/*', auth: 'none', cache: true }])).toThrow();
    expect(() => gateway([{ path: 'api', auth: 'none' }])).toThrow();
  });

  it('refuses combinations that would protect less than configured', () => {
    expect(() =>
      checkGatewayRoutes(gateway([{ path: '/a', auth: 'jwt', signature: true }]).routes),
    ).toThrow(/signature/);
    expect(() =>
      checkGatewayRoutes(gateway([{ path: '/a', auth: 'none', permission: 'x:read' }]).routes),
    ).toThrow(/permission/);
    expect(() => checkGatewayRoutes(gateway([{ path: '/a/*/b', auth: 'none' }]).routes)).toThrow(
      /\*/,
    );
    expect(() =>
      checkGatewayRoutes(
        gateway([
          { path: '/a', auth: 'none' },
          { path: '/a', auth: 'jwt' },
        ]).routes,
      ),
    ).toThrow(/twice/);
  });

  it('turns route rate limits into rate-limit entries, keeping health probes exempt', () => {
    const rules = gatewayRateLimitRules(
      gateway([{ path: '/*', auth: 'none', rateLimit: { limit: 5 } }]),
    );
    expect(rules).toEqual([
      { name: 'gateway-health', method: '*', url: '/health*', limit: 0, window: 60, key: ['ip'] },
      { name: 'gateway-1', method: '*', url: '/*', limit: 5, window: 60, key: ['ip'] },
    ]);
  });
});
