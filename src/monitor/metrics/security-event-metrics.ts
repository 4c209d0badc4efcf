import { Counter, type Registry } from 'prom-client';
import type { EventBus, EventSubscription } from '../../events/event-bus.js';
import type { SecurityEventType } from '../../events/security-event.js';

type TokenOperation = 'issued' | 'refreshed' | 'revoked';

// A session is born with a token pair, a refresh rotates it, a revocation ends the family.
const tokenOperations: Partial<Record<SecurityEventType, TokenOperation>> = {
  'session.created': 'issued',
  'auth.token.refreshed': 'refreshed',
  'session.revoked': 'revoked',
};

/**
 * Counts every security event from the bus by type and outcome: logins, MFA, lockouts,
 * rate limits, replays, bans and the rest are each a `type`, a closed set, so the
 * series stay bounded. Token issue, refresh and revocation get their own counter.
 *
 * @example
 * const subscription = subscribeSecurityEventMetrics(events, registry);
 * subscription.unsubscribe();
 */
export function subscribeSecurityEventMetrics(
  events: EventBus,
  registry: Registry,
): EventSubscription {
  const securityEvents = new Counter({
    name: 'rampart_security_events_total',
    help: 'Security events published on the event bus, by type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'rampart_tokens_total',
    help: 'Refresh token families issued (new session), refreshed (rotated) and revoked.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  for (const operation of ['issued', 'refreshed', 'revoked'] as const) tokens.inc({ operation }, 0);

  return events.subscribe('metrics', (event) => {
    securityEvents.inc({ type: event.type, outcome: event.outcome });
    const operation = tokenOperations[event.type];
    if (operation === undefined) return;
    // Revoking every session of an account is one event that names how many ended.
    const sessions = event.details.sessions;
    tokens.inc({ operation }, typeof sessions === 'number' && sessions > 0 ? sessions : 1);
  });
}
