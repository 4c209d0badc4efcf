import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../events/event-bus.js';
import { subscribeSecurityEventMetrics } from './security-event-metrics.js';

describe('security event metrics', () => {
  it('count events by type and outcome, and token operations, until unsubscribed', async () => {
    const events = new EventBus({
      onHandlerError: (error) => {
        throw error;
      },
    });
    const registry = new Registry();
    const subscription = subscribeSecurityEventMetrics(events, registry);
    const actor = { kind: 'anonymous' } as const;
    await events.publish({ type: 'auth.login.failed', outcome: 'failure', actor, details: {} });
    await events.publish({ type: 'auth.login.failed', outcome: 'failure', actor, details: {} });
    await events.publish({ type: 'session.created', outcome: 'success', actor, details: {} });
    await events.publish({
      type: 'session.revoked',
      outcome: 'success',
      actor,
      details: { sessions: 3 },
    });
    subscription.unsubscribe();
    await events.publish({ type: 'auth.login.failed', outcome: 'failure', actor, details: {} });
    const text = await registry.metrics();
    expect(text).toContain(
      'rampart_security_events_total{type="auth.login.failed",outcome="failure"} 2',
    );
    expect(text).toContain('rampart_tokens_total{operation="issued"} 1');
    expect(text).toContain('rampart_tokens_total{operation="refreshed"} 0');
    expect(text).toContain('rampart_tokens_total{operation="revoked"} 3');
  });
});
