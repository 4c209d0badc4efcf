import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as identitySessions from './0002-identity-sessions.js';
import * as identityApiKeys from './0003-identity-api-keys.js';
import * as protectIpRules from './0020-protect-ip-rules.js';
import * as protectRateLimitRules from './0021-protect-rate-limit-rules.js';
import * as audit from './0030-audit.js';
import * as monitorAlerts from './0051-monitor-alerts.js';

/**
 * Every migration, in order. Names are stable forever: a database that has applied a
 * name this list does not know was migrated by newer code, and Rampart refuses to start.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_foundation': foundation,
  '0002_identity_sessions': identitySessions,
  '0003_identity_api_keys': identityApiKeys,
  '0020_protect_ip_rules': protectIpRules,
  '0021_protect_rate_limit_rules': protectRateLimitRules,
  '0030_audit': audit,
  '0051_monitor_alerts': monitorAlerts,
});
