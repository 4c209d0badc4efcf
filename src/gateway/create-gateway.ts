import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { RampartConfig } from '../config/schema.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Authenticator } from '../identity/authenticate.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { type GatewayRouteStats, GatewayStats } from './gateway-stats.js';
import { deriveGatewayIdentitySecret } from './identity-signature.js';
import type { GatewayPluginOptions } from './plugin.js';
import { checkGatewayRoutes } from './route-table.js';

export interface Gateway {
  /** Undefined when no upstream is configured (the gateway is off). */
  pluginOptions: GatewayPluginOptions | undefined;
  /** Per-route counters: forwarded requests, answers by class, timeouts, failures. */
  stats(): GatewayRouteStats[];
  close(): Promise<void>;
}

export interface CreateGatewayOptions {
  config: Pick<RampartConfig, 'gateway' | 'http' | 'idempotency'>;
  masterKey: Uint8Array;
  auth: Authenticator;
  events: EventPublisher;
  logger: Logger;
}

/**
 * The gateway capability: one undici pool and one circuit breaker for the upstream, and
 * the checked route table. The identity secret is `gateway.identitySecret`, or derived
 * from the master key (HKDF, `rampart/gateway-identity/v1`) when not set.
 */
export function createGateway(options: CreateGatewayOptions): Gateway {
  const { config, events, logger } = options;
  const settings = config.gateway;
  const stats = new GatewayStats();
  if (settings.upstream === undefined) {
    return { pluginOptions: undefined, stats: () => stats.snapshot(), close: async () => {} };
  }
  checkGatewayRoutes(settings.routes);
  const url = new URL(settings.upstream);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error('gateway.upstream takes a scheme, host, port and path only');
  }
  const upstream = url.origin;
  const timeoutMs = settings.timeout * 1000;
  const pool = new Pool(upstream, {
    connections: settings.connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: Math.min(timeoutMs, 10_000) },
  });
  const breaker = new CircuitBreaker({
    failures: settings.circuitBreaker.failures,
    openMs: settings.circuitBreaker.openDuration * 1000,
    onOpen: (failures) => {
      logger.error({ upstream, failures }, 'gateway circuit opened: upstream failing');
      void events.publish({
        type: 'gateway.circuit.opened',
        outcome: 'failure',
        actor: { kind: 'system' },
        target: { type: 'upstream', id: upstream },
        details: { failures, openSeconds: settings.circuitBreaker.openDuration },
      });
    },
    onClose: () => {
      logger.warn({ upstream }, 'gateway circuit closed: upstream answers again');
      void events.publish({
        type: 'gateway.circuit.closed',
        outcome: 'success',
        actor: { kind: 'system' },
        target: { type: 'upstream', id: upstream },
        details: {},
      });
    },
  });
  const basePath = url.pathname.replace(/\/+$/, '');
  return {
    pluginOptions: {
      routes: settings.routes,
      dispatcher: pool,
      basePath,
      breaker,
      upstream,
      timeoutMs,
      maxBodyBytes: settings.maxBodyBytes,
      bufferLimit: config.http.bodyLimit,
      idempotencyMaxBytes: config.idempotency.maxBodyBytes,
      identitySecret: settings.identitySecret ?? deriveGatewayIdentitySecret(options.masterKey),
      auth: options.auth,
      events,
      stats,
    },
    stats: () => stats.snapshot(),
    close: () => pool.close(),
  };
}
