import { parseMasterKey } from '../dataprotect/core/master-key.js';
import type { ConfigProblem } from './config-problem.js';
import type { RampartConfig } from './schema.js';

export interface SafetyVerdict {
  problems: ConfigProblem[];
  warnings: string[];
}

type SourceOf = (path: string) => string;

const originPattern = /^https?:\/\/[^/\s?#]+$/;

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
      problem('cors.origins', `"${origin}" is not an origin (scheme://host[:port], no path)`);
    } else if (production && origin.startsWith('http://')) {
      problem('cors.origins', `"${origin}" is not https`);
    }
  }

  const publicUrlExplicit = sourceOf('publicUrl') !== 'default';
  if (production) {
    if (!publicUrlExplicit)
      problem('publicUrl', 'must be set in production (the https URL clients use)', 'not set');
    else if (!config.publicUrl.startsWith('https://'))
      problem('publicUrl', 'must use https:// in production');
  }

  if (config.databaseUrl.startsWith('sqlite:')) {
    if (production && !config.allowSqliteInProduction) {
      problem(
        'databaseUrl',
        'SQLite in production needs the explicit opt-in allowSqliteInProduction (RAMPART_ALLOW_SQLITE_IN_PRODUCTION=true)',
      );
    }
    if (production && config.databaseUrl === 'sqlite::memory:') {
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
  return { problems, warnings };
}
