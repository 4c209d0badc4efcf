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
  return {
    ...config,
    masterKey: config.masterKey === undefined ? undefined : '[redacted]',
    databaseUrl: redactUrlPassword(config.databaseUrl),
    redisUrl: redactUrlPassword(config.redisUrl),
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
  };
}
