import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as identitySessions from './0002-identity-sessions.js';
import * as identityApiKeys from './0003-identity-api-keys.js';
import * as identityOAuth from './0004-identity-oauth.js';
import * as identityAccountLock from './0005-identity-account-lock.js';
import * as identityInvitePerEmail from './0006-identity-invite-per-email.js';
import * as identityResetPerAccount from './0007-identity-reset-per-account.js';
import * as authzPolicy from './0010-authz-policy.js';
import * as authzApprovalPolicies from './0011-authz-approval-policies.js';
import * as protectIpRules from './0020-protect-ip-rules.js';
import * as protectRateLimitRules from './0021-protect-rate-limit-rules.js';
import * as audit from './0030-audit.js';
import * as dataprotect from './0040-dataprotect.js';
import * as dataprotectMasterKeys from './0041-dataprotect-master-keys.js';
import * as monitorHealth from './0050-monitor-health.js';
import * as monitorAlerts from './0051-monitor-alerts.js';
import * as monitorResponse from './0052-monitor-response.js';
import * as monitorAlertOutbox from './0053-monitor-alert-outbox.js';

/**
 * Every migration, in order. Names are stable forever: a database that has applied a
 * name this list does not know was migrated by newer code, and Rampart refuses to start.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_foundation': foundation,
  '0002_identity_sessions': identitySessions,
  '0003_identity_api_keys': identityApiKeys,
  '0004_identity_oauth': identityOAuth,
  '0005_identity_account_lock': identityAccountLock,
  '0006_identity_invite_per_email': identityInvitePerEmail,
  '0007_identity_reset_per_account': identityResetPerAccount,
  '0010_authz_policy': authzPolicy,
  '0011_authz_approval_policies': authzApprovalPolicies,
  '0020_protect_ip_rules': protectIpRules,
  '0021_protect_rate_limit_rules': protectRateLimitRules,
  '0030_audit': audit,
  '0040_dataprotect': dataprotect,
  '0041_dataprotect_master_keys': dataprotectMasterKeys,
  '0050_monitor_health': monitorHealth,
  '0051_monitor_alerts': monitorAlerts,
  '0052_monitor_response': monitorResponse,
  '0053_monitor_alert_outbox': monitorAlertOutbox,
});
