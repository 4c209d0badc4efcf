import type { RampartConfig } from '../config/schema.js';

export type GatewayRouteConfig = RampartConfig['gateway']['routes'][number];
type RateLimitEntry = RampartConfig['rateLimit']['routes'][number];

/** What `method: '*'` stands for: the methods an API is called with. */
export const anyMethod = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

export function routeName(route: GatewayRouteConfig): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

/**
 * Checks the route table once, at boot: a combination that cannot be honoured fails the
 * start instead of quietly proxying with less protection than configured.
 */
export function checkGatewayRoutes(routes: readonly GatewayRouteConfig[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    const name = routeName(route);
    if (seen.has(name)) throw new Error(`gateway.routes: ${name} is listed twice`);
    seen.add(name);
    if (route.auth === 'none' && route.permission !== undefined) {
      throw new Error(`gateway.routes: ${name} needs a permission but has auth none`);
    }
    if (route.signature && route.auth !== 'apikey' && route.auth !== 'any') {
      throw new Error(
        `gateway.routes: ${name} requires a signature, which needs auth apikey or any`,
      );
    }
    if (route.idempotency && route.auth === 'none') {
      throw new Error(
        `gateway.routes: ${name} asks for idempotency, which is kept per caller and needs auth`,
      );
    }
    const star = route.path.indexOf('*');
    if (star !== -1 && star !== route.path.length - 1) {
      throw new Error(`gateway.routes: ${name}: * may only end a path`);
    }
  }
}

/**
 * The gateway routes' rate limits as entries of the rate-limit table (appended after
 * `rateLimit.routes`, so an explicit entry there wins). Health probes stay exempt even
 * under a gateway prefix such as `/*`.
 */
export function gatewayRateLimitRules(gateway: RampartConfig['gateway']): RateLimitEntry[] {
  if (gateway.upstream === undefined) return [];
  const rules: RateLimitEntry[] = [];
  gateway.routes.forEach((route, i) => {
    if (!route.rateLimit) return;
    rules.push({
      name: `gateway-${i + 1}`,
      method: route.method,
      url: route.path,
      limit: route.rateLimit.limit,
      window: route.rateLimit.window,
      key: [...route.rateLimit.key],
    });
  });
  if (rules.length === 0) return [];
  return [
    { name: 'gateway-health', method: '*', url: '/health*', limit: 0, window: 60, key: ['ip'] },
    ...rules,
  ];
}
