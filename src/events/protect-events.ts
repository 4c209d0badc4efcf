import type { EventTypeCatalog } from './security-event.js';

/**
 * The protection events of the security event catalog (security-event.ts): IP rules,
 * rate limits and the gateway.
 */

/** IP allow and deny rules and bans. */
export const ipEvents = {
  'ip.banned': { severity: 'warning', description: 'A client address was banned.' },
  'ip.rule.added': { severity: 'notice', description: 'An IP allow or deny rule was added.' },
  'ip.rule.lifted': { severity: 'notice', description: 'An IP rule or ban was lifted.' },
  'ip.blocked': {
    severity: 'warning',
    description:
      'Requests from a denied or banned address were refused (at most one event per address a minute).',
  },
} as const satisfies EventTypeCatalog;

/** Rate limits and their shared store. */
export const rateLimitEvents = {
  'ratelimit.exceeded': {
    severity: 'warning',
    description:
      'A client exceeded a rate-limit policy (reported once per key and window; details.suppressed counts the refusals not reported).',
  },
  'ratelimit.policy.changed': {
    severity: 'notice',
    description: 'A rate-limit policy was added or removed through the API.',
  },
  'ratelimit.store.degraded': {
    severity: 'critical',
    description:
      'The shared rate-limit store failed; limits now follow rateLimit.failMode (per-node in memory, or refusing).',
  },
  'ratelimit.store.recovered': {
    severity: 'notice',
    description: 'The shared rate-limit store answers again; limits are global again.',
  },
} as const satisfies EventTypeCatalog;

/** The gateway and its upstream. */
export const gatewayEvents = {
  'gateway.upstream.failed': {
    severity: 'warning',
    description:
      'A proxied request failed to reach the upstream or timed out (details.reason: timeout or unavailable).',
  },
  'gateway.circuit.opened': {
    severity: 'critical',
    description:
      'The upstream failed gateway.circuitBreaker.failures times in a row; the gateway answers 503 without calling it.',
  },
  'gateway.circuit.closed': {
    severity: 'notice',
    description: 'A probe request reached the upstream again; the gateway calls it normally.',
  },
} as const satisfies EventTypeCatalog;
