import type { EventTypeCatalog } from './security-event.js';

/**
 * The monitoring events of the security event catalog (security-event.ts): health,
 * automated responses and incidents, detectors and alerts.
 */

/** Health checks and the overall status. */
export const healthEvents = {
  'health.check.changed': {
    severity: 'warning',
    description:
      'A scheduled health check changed state after its failure threshold (details: check, status, previousStatus, nodeId); a recovery is a notice.',
  },
  'health.status.changed': {
    severity: 'warning',
    description:
      "A node's overall health changed between healthy, degraded and unhealthy (critical when unhealthy, a notice when healthy again).",
  },
} as const satisfies EventTypeCatalog;

/** Automated responses, incidents and read-only mode. */
export const responseEvents = {
  'response.action.executed': {
    severity: 'warning',
    description:
      'An automated response acted on a signal (ban, lock, revoke, require MFA, read-only mode, notify).',
  },
  'response.action.reverted': {
    severity: 'notice',
    description: 'An operator undid an automated response action.',
  },
  'response.action.dry_run': {
    severity: 'notice',
    description: 'Dry-run mode: an automated response would have acted but did not.',
  },
  'response.action.skipped': {
    severity: 'notice',
    description:
      'An automated response did not act (details.reason: allowlisted, trusted_operator, no subject) or failed.',
  },
  'incident.opened': {
    severity: 'warning',
    description: 'An incident was opened (by an automated response or by hand).',
  },
  'incident.status.changed': {
    severity: 'notice',
    description: 'An incident moved on: acknowledged, contained or resolved.',
  },
  'incident.note.added': { severity: 'info', description: 'A note was added to an incident.' },
  'readonly_mode.changed': {
    severity: 'critical',
    description: 'Read-only mode was turned on or off (unsafe methods are refused while on).',
  },
} as const satisfies EventTypeCatalog;

/** Detector signals. */
export const detectorEvents = {
  'detector.signal': {
    severity: 'warning',
    description:
      'A detector saw an attack pattern: details.detector, details.severity (low, medium, high, critical), details.key and details.evidence.',
  },
} as const satisfies EventTypeCatalog;

/** Alerts and their notifications. */
export const alertEvents = {
  'alert.firing': {
    severity: 'warning',
    description:
      'An alert rule fired (after its for duration): details.rule, details.severity, details.labels, details.value, details.silenced.',
  },
  'alert.resolved': {
    severity: 'notice',
    description: 'A firing alert cleared; its channels received one resolved notification.',
  },
  'alert.config.changed': {
    severity: 'notice',
    description:
      'An alert rule, channel or silence was created, updated or deleted through the API: details.kind, details.change, details.before and details.after (channels as their summary, never their settings).',
  },
  'alert.notification.failed': {
    severity: 'warning',
    description:
      'An alert notification could not be delivered to a channel after its retries, or its circuit was open.',
  },
} as const satisfies EventTypeCatalog;
