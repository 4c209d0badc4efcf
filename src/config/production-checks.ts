import {
  defaultClassificationMatcher,
  normalizeFieldName,
} from '../dataprotect/core/classification.js';
import { parseMasterKey } from '../dataprotect/core/master-key.js';
import { parseCidr } from '../identity/core/cidr.js';
import { ProviderSettingsError, resolveProvider } from '../identity/oauth/core/providers.js';
import { quoteValue } from '../shared/terminal-text.js';
import type { ConfigProblem } from './config-problem.js';
import type { RampartConfig } from './schema.js';

export interface SafetyVerdict {
  problems: ConfigProblem[];
  warnings: string[];
}

type SourceOf = (path: string) => string;

const originPattern = /^https?:\/\/[^/\s?#]+$/;
/** A DNS name, an IPv4 address or an IPv6 address (with an optional zone): no path, no URL. */
const hostPattern =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})?(?:\.[A-Za-z0-9_-]{1,63})*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?)$/;

/**
 * Settings that are valid on their own but unsafe together or in an environment. In
 * production they stop the start; the master key is required outside development too.
 */
export function checkSafety(config: RampartConfig, sourceOf: SourceOf): SafetyVerdict {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const production = config.env === 'production';
  const problem = (key: string, message: string, source = sourceOf(key)) =>
    problems.push({ key, source, message });

  if (config.masterKey === undefined) {
    if (config.env !== 'development') {
      problem(
        'masterKey',
        `is required in ${config.env}: generate one with openssl rand -base64 32`,
        'not set',
      );
    }
  } else {
    const parsed = parseMasterKey(config.masterKey);
    if (!parsed.ok) problem('masterKey', parsed.reason);
  }
  checkPreviousMasterKeys(config, problem);

  for (const origin of config.cors.origins) {
    if (origin === 'null') {
      problem(
        'cors.origins',
        'the "null" origin is never allowed (sandboxed frames and file: pages send it)',
      );
    } else if (origin === '*') {
      if (production) problem('cors.origins', 'a wildcard origin is not allowed in production');
      else if (config.cors.allowCredentials) {
        problem('cors.origins', 'a wildcard origin cannot be combined with cors.allowCredentials');
      } else warnings.push('cors.origins allows every origin ("*")');
    } else if (!originPattern.test(origin)) {
      problem(
        'cors.origins',
        `${quoteValue(origin)} is not an origin (scheme://host[:port], no path)`,
      );
    } else if (production && origin.startsWith('http://')) {
      problem('cors.origins', `${quoteValue(origin)} is not https`);
    }
  }

  // A configured rule is checked before the built-in ones: one that lets a built-in
  // secret (password, token, cookie…) through unredacted would leak it into logs and the
  // append-only audit trail, where it can never be removed.
  for (const rule of config.dataProtection.classification) {
    const leaf = rule.path.split('.').at(-1) ?? '';
    const builtIn = defaultClassificationMatcher.classify([normalizeFieldName(leaf)]);
    if (builtIn?.handling === 'redact' && rule.handling !== 'redact' && rule.handling !== 'hash') {
      const message = `a rule for ${quoteValue(rule.path)} with handling ${rule.handling} would expose a secret the built-in rules redact`;
      if (production) problem('dataProtection.classification', message);
      else warnings.push(`dataProtection.classification: ${message}`);
    }
  }

  const publicUrlExplicit = sourceOf('publicUrl') !== 'default';
  if (production) {
    if (!publicUrlExplicit)
      problem('publicUrl', 'must be set in production (the https URL clients use)', 'not set');
    else if (!config.publicUrl.startsWith('https://'))
      problem('publicUrl', 'must use https:// in production');
  }

  // Caught here, not after the database is migrated, by a DNS lookup of a path or a URL.
  if (config.host.length > 253 || !hostPattern.test(config.host))
    problem('host', `${quoteValue(config.host)} is not a host name or an IP address`);

  if (config.databaseUrl.startsWith('sqlite:')) {
    if (production && !config.allowSqliteInProduction) {
      problem(
        'databaseUrl',
        'SQLite in production needs the explicit opt-in allowSqliteInProduction (RAMPART_ALLOW_SQLITE_IN_PRODUCTION=true)',
      );
    }
    // `sqlite:` and `sqlite://:memory:` open the same in-memory database (storage/database.ts).
    const sqliteFile = config.databaseUrl.slice('sqlite:'.length).replace(/^\/\//, '');
    if (production && (sqliteFile === '' || sqliteFile === ':memory:')) {
      problem('databaseUrl', 'an in-memory database loses every account on restart');
    }
    if (config.redisUrl) {
      warnings.push(
        'redisUrl is set with SQLite: several nodes cannot share one SQLite file; use PostgreSQL for a cluster',
      );
    }
  }

  if (config.mail.transport === 'smtp' && !config.mail.smtpUrl) {
    problem('mail.smtpUrl', 'is required when mail.transport is smtp');
  }
  if (production && config.mail.transport !== 'smtp') {
    warnings.push(
      `mail.transport is ${config.mail.transport} in production: password resets and lockout notices are not delivered`,
    );
  }
  if (production && config.passwordReset.url?.startsWith('http://')) {
    problem('passwordReset.url', 'must use https:// in production: the link carries a reset token');
  }
  if (config.session.idleTimeout > config.session.absoluteLifetime) {
    warnings.push(
      'session.idleTimeout exceeds session.absoluteLifetime: the absolute lifetime ends sessions first',
    );
  }
  if (production && (config.log.level === 'debug' || config.log.level === 'trace')) {
    warnings.push(`log.level ${config.log.level} in production is verbose; info is recommended`);
  }
  if (!config.log.stdout && !config.log.file) {
    warnings.push('log.stdout is false and no log.file is set: no log line is written anywhere');
  }
  const healthNames = config.health.checks.map((c) => c.name ?? c.type);
  if (config.health.builtins) {
    const listed = new Set(config.health.checks.map((c) => c.type));
    for (const type of ['database', 'redis', 'disk', 'memory', 'eventLoop', 'auditBacklog']) {
      if (!listed.has(type as never)) healthNames.push(type);
    }
  }
  const duplicate = healthNames.find((name, i) => healthNames.indexOf(name) !== i);
  if (duplicate !== undefined) {
    problem(
      'health.checks',
      `check names must be unique: ${duplicate} is used twice (built-in checks are named after their type)`,
    );
  }
  if (config.jwt.algorithm === 'HS256') {
    warnings.push(
      'jwt.algorithm HS256: the key is secret, so /.well-known/jwks.json publishes nothing and only Rampart can verify tokens',
    );
  }
  if (production && config.registration.mode === 'open') {
    warnings.push('registration.mode is open in production: anyone can create an account');
  }
  const upstream = config.gateway.upstream;
  if (production && upstream !== undefined) {
    const u = new URL(upstream);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    // Requests, tokens and the signed identity headers would cross the network in clear.
    if (u.protocol !== 'https:' && !loopback) {
      problem('gateway.upstream', 'must use https:// in production unless it is on this machine');
    }
  }
  if (production) {
    config.alerts.channels.forEach((channel, i) => {
      if (!('url' in channel)) return;
      const u = new URL(channel.url);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
      // Alert bodies name attacked accounts and addresses; Slack URLs are credentials.
      if (u.protocol !== 'https:' && !loopback) {
        problem(
          `alerts.channels.${i}.url`,
          `(${channel.name}) must use https:// in production unless it is on this machine`,
        );
      }
    });
  }
  if (config.env !== 'development' && config.host === '127.0.0.1') {
    warnings.push(
      `host is 127.0.0.1: only this machine can reach Rampart (set RAMPART_HOST=0.0.0.0 behind a proxy)`,
    );
  }
  if (
    config.metrics.port !== undefined &&
    config.metrics.port !== 0 &&
    config.metrics.port === config.port
  ) {
    problem('metrics.port', 'must differ from port: the separate metrics listener needs its own');
  }
  if (
    production &&
    config.metrics.enabled &&
    config.metrics.token === undefined &&
    config.metrics.port === undefined
  ) {
    problem(
      'metrics.token',
      'is required in production while /metrics is served on the main listener: set metrics.token, or metrics.port for a separate listener, or metrics.enabled=false',
      'not set',
    );
  }
  const providerIds = new Set<string>();
  for (const [i, settings] of config.oauth.providers.entries()) {
    try {
      const { id } = resolveProvider(settings, { publicUrl: config.publicUrl, source: 'config' });
      if (providerIds.has(id))
        problem(`oauth.providers.${i}.id`, `the provider id ${id} is used twice`);
      providerIds.add(id);
    } catch (error) {
      if (!(error instanceof ProviderSettingsError)) throw error;
      problem(`oauth.providers.${i}.${error.field}`, error.message, sourceOf('oauth.providers'));
    }
  }
  if (production && !config.authz.stepUp.routes.includes('POST /v1/admin/signing-keys/rotate'))
    warnings.push(
      'authz.stepUp.routes does not cover signing-key rotation: a stolen password-only session can rotate keys',
    );
  const approvals = config.authz.approvals;
  const builtInRoles = ['ADMIN', 'DEVELOPER', 'VIEWER'];
  if (approvals.routes.length > 0 && !builtInRoles.includes(approvals.approverRole))
    warnings.push(
      `authz.approvals.approverRole ${approvals.approverRole} is a custom role: until it is defined and assigned, nobody can approve`,
    );
  const policyNames = new Set<string>();
  approvals.policies.forEach((policy, i) => {
    if (policyNames.has(policy.name))
      problem(
        `authz.approvals.policies.${i}.name`,
        `the policy name ${policy.name} is used twice`,
        sourceOf('authz.approvals.policies'),
      );
    policyNames.add(policy.name);
    const role = policy.approverRole ?? approvals.approverRole;
    if (!builtInRoles.includes(role))
      warnings.push(
        `authz.approvals.policies ${policy.name}: approver role ${role} is a custom role: until it is defined and assigned, nobody can approve`,
      );
  });

  for (const key of ['trustedProxies', 'allow', 'deny'] as const) {
    for (const cidr of config.network[key]) {
      const parsed = parseCidr(cidr);
      if (!parsed) problem(`network.${key}`, `${quoteValue(cidr)} is not an address or CIDR`);
      // Every client could then name its own address in X-Forwarded-For: a banned client
      // would come back as anyone, and as an address of network.allow, never be banned.
      else if (key === 'trustedProxies' && parsed.prefix === 0 && production)
        problem(
          'network.trustedProxies',
          `${quoteValue(cidr)} trusts every address as a proxy: list the proxies in production`,
        );
    }
  }
  for (const cidr of config.responses.neverBan) {
    if (!parseCidr(cidr))
      problem('responses.neverBan', `${quoteValue(cidr)} is not an address or CIDR`);
  }
  if (production && config.responses.enabled && config.responses.dryRun) {
    warnings.push('responses.dryRun is on: detectors only report what responses would do');
  }
  return { problems, warnings };
}

/**
 * Previous master keys open data keys sealed before a master key rotation; each must be a
 * valid key (never printed: problems name its position) and differ from the current one.
 */
function checkPreviousMasterKeys(
  config: RampartConfig,
  problem: (key: string, message: string) => void,
): void {
  const current = config.masterKey === undefined ? undefined : parseMasterKey(config.masterKey);
  const seen: Buffer[] = [];
  for (const [i, text] of config.masterKeyPrevious.entries()) {
    const parsed = parseMasterKey(text);
    if (!parsed.ok) problem('masterKeyPrevious', `entry ${i + 1} ${parsed.reason}`);
    else if (current?.ok && current.key.equals(parsed.key))
      problem('masterKeyPrevious', `entry ${i + 1} is the current masterKey`);
    else if (seen.some((k) => k.equals(parsed.key)))
      problem('masterKeyPrevious', `entry ${i + 1} repeats an earlier entry`);
    else seen.push(parsed.key);
  }
}
