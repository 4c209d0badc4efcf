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

/** The effective configuration as it may be shown: secrets replaced, URLs without passwords. */
export function redactConfig(config: RampartConfig): Record<string, unknown> {
  // Then every field the classification registry marks `redact` (a secret, token or
  // password anywhere, including settings added later); masks are not applied here.
  const redactSecrets = createRedactor({
    matcher: compileClassification([
      ...config.dataProtection.classification,
      ...defaultClassification,
    ]),
    only: ['redact'],
  });
  return redactSecrets({
    ...config,
    masterKey: config.masterKey === undefined ? undefined : '[redacted]',
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
  });
}
