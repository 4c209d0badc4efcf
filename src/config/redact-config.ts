import {
  compileClassification,
  defaultClassification,
} from '../dataprotect/core/classification.js';
import { createRedactor } from '../dataprotect/core/redaction.js';
import type { RampartConfig } from './schema.js';

function redactUrlPassword(url: string | undefined): string | undefined {
  if (!url || url.startsWith('sqlite:')) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '[redacted]';
    return u.toString();
  } catch {
    return '[unparseable URL]';
  }
}

// Any other field whose name says it holds a secret, wherever a later section puts it.
const secretName = /(secret|password|token|privatekey|masterkey|masterkeyprevious|apikey)$/i;
// A URL with credentials in it, whatever its field is called (gateway.upstream is not
// named like a URL, and `https://user:password@host` works there).
const urlWithUserinfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

function redactDeep(value: unknown, key: string): unknown {
  if (typeof value === 'string') {
    if (value === '[redacted]') return value;
    if (secretName.test(key)) return '[redacted]';
    if (/url$/i.test(key) || urlWithUserinfo.test(value)) return redactUrlPassword(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, k)]));
  }
  return value;
}

/**
 * The effective configuration as it may be shown: secrets replaced, URLs without
 * passwords (the named fields below, then any field named like a secret or a URL).
 */
export function redactConfig(config: RampartConfig): Record<string, unknown> {
  // The named fields below, then every field the classification registry marks `redact`
  // (a secret, token or password anywhere, including settings added later; masks are not
  // applied here), then any field named like a secret or a URL.
  const redactSecrets = createRedactor({
    matcher: compileClassification([
      ...config.dataProtection.classification,
      ...defaultClassification,
    ]),
    only: ['redact'],
  });
  return redactDeep(redactSecrets(redactNamed(config)), '') as Record<string, unknown>;
}

function redactNamed(config: RampartConfig): Record<string, unknown> {
  return {
    ...config,
    masterKey: config.masterKey === undefined ? undefined : '[redacted]',
    masterKeyPrevious: config.masterKeyPrevious.map(() => '[redacted]'),
    databaseUrl: redactUrlPassword(config.databaseUrl),
    redisUrl: redactUrlPassword(config.redisUrl),
    mail: { ...config.mail, smtpUrl: redactUrlPassword(config.mail.smtpUrl) },
    gateway: {
      ...config.gateway,
      identitySecret: config.gateway.identitySecret === undefined ? undefined : '[redacted]',
    },
    metrics: {
      ...config.metrics,
      token: config.metrics.token === undefined ? undefined : '[redacted]',
    },
    oauth: {
      ...config.oauth,
      providers: config.oauth.providers.map((p) => ({ ...p, clientSecret: '[redacted]' })),
    },
    alerts: {
      ...config.alerts,
      // A Slack webhook's path is its credential, and any channel URL may carry a token in
      // its path or query: shown as its origin, as GET /v1/alerts/channels shows it.
      channels: config.alerts.channels.map((c) =>
        'url' in c ? { ...c, url: originOf(c.url) } : c,
      ),
    },
  };
}

function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/[redacted]`;
  } catch {
    return '[unparseable URL]';
  }
}
