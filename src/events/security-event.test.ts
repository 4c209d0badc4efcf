import { describe, expect, it } from 'vitest';
import { authzEvents } from './authz-events.js';
import { keyEvents, privacyEvents, secretEvents } from './dataprotect-events.js';
import {
  accountEvents,
  apiKeyEvents,
  passwordEvents,
  serviceAccountEvents,
  sessionEvents,
  signInEvents,
} from './identity-events.js';
import { alertEvents, detectorEvents, healthEvents, responseEvents } from './monitor-events.js';
import { gatewayEvents, ipEvents, rateLimitEvents } from './protect-events.js';
import { securityEventTypes } from './security-event.js';

const parts = {
  accountEvents,
  apiKeyEvents,
  ipEvents,
  authzEvents,
  serviceAccountEvents,
  signInEvents,
  sessionEvents,
  passwordEvents,
  rateLimitEvents,
  gatewayEvents,
  secretEvents,
  healthEvents,
  responseEvents,
  keyEvents,
  privacyEvents,
  detectorEvents,
  alertEvents,
};

describe('security event catalog', () => {
  // The catalog spreads one object per capability: a type declared in two of them would
  // keep only the later severity and description, with no compiler error.
  it('declares every event type in exactly one capability file', () => {
    const declared = Object.values(parts).flatMap((part) => Object.keys(part));
    const seen = new Set<string>();
    const twice = declared.filter((type) => seen.size === seen.add(type).size);
    expect(twice).toEqual([]);
    expect(declared).toEqual(Object.keys(securityEventTypes));
  });

  it('gives every event type a severity and a description', () => {
    for (const [type, info] of Object.entries(securityEventTypes)) {
      expect(['info', 'notice', 'warning', 'critical'], type).toContain(info.severity);
      expect(info.description.length, type).toBeGreaterThan(0);
    }
  });
});
