import type { OAuthProviderType } from '../store.js';

/** A provider's effective settings, from the config file or the admin API. */
export interface OAuthProvider {
  id: string;
  type: OAuthProviderType;
  name: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  /** OpenID Connect issuer (gitlab, google, oidc); discovery and exact `iss` checks use it. */
  issuer?: string;
  /** github: plain OAuth 2.0 endpoints and the REST API base. */
  github?: { authorizationUrl: string; tokenUrl: string; apiUrl: string };
  callbackUrl: string;
  source: 'config' | 'api';
  enabled: boolean;
  /** Changes whenever the settings do: cached client configurations are keyed by it. */
  version: string;
}

export interface ProviderSettings {
  id?: string | undefined;
  type: OAuthProviderType;
  name?: string | null | undefined;
  clientId: string;
  clientSecret: string;
  scopes?: readonly string[] | null | undefined;
  issuer?: string | null | undefined;
  baseUrl?: string | null | undefined;
  apiUrl?: string | null | undefined;
  callbackUrl?: string | null | undefined;
}

const displayNames: Record<OAuthProviderType, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  google: 'Google',
  oidc: 'OpenID Connect',
};

const defaultScopes: Record<OAuthProviderType, readonly string[]> = {
  github: ['read:user', 'user:email'],
  gitlab: ['openid', 'email', 'profile'],
  google: ['openid', 'email', 'profile'],
  oidc: ['openid', 'email', 'profile'],
};

/** Provider ids appear in URLs: lower-case letters, digits and dashes. */
export const providerIdPattern = /^[a-z0-9][a-z0-9-]{0,39}$/;

export class ProviderSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderSettingsError';
  }
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for http URLs that stay on this machine (tests, a provider beside Rampart). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && loopbackHosts.has(u.hostname);
  } catch {
    return false;
  }
}

// RFC 9700 §2.6: every exchange with the provider goes over TLS; a plain-http provider is
// only acceptable on the loopback interface.
function checkUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderSettingsError(field, `${field} is not a URL`);
  }
  if (url.username || url.password || url.hash)
    throw new ProviderSettingsError(field, `${field} must not carry credentials or a fragment`);
  if (url.protocol !== 'https:' && !isLoopbackUrl(value))
    throw new ProviderSettingsError(field, `${field} must be https:// (http:// only on loopback)`);
  return value.replace(/\/+$/, '');
}

/**
 * The effective settings of a provider: defaults per type filled in and every URL checked.
 * Throws {@link ProviderSettingsError} naming the field at fault.
 */
export function resolveProvider(
  settings: ProviderSettings,
  context: { publicUrl: string; source: 'config' | 'api'; enabled?: boolean; version?: string },
): OAuthProvider {
  const id = settings.id ?? settings.type;
  if (!providerIdPattern.test(id))
    throw new ProviderSettingsError('id', 'id must be lower-case letters, digits and dashes');
  const base = {
    id,
    type: settings.type,
    name: settings.name ?? displayNames[settings.type],
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    scopes:
      settings.scopes && settings.scopes.length > 0
        ? [...settings.scopes]
        : defaultScopes[settings.type],
    callbackUrl: checkUrl(
      'callbackUrl',
      settings.callbackUrl ??
        `${context.publicUrl.replace(/\/+$/, '')}/v1/auth/oauth/${id}/callback`,
    ),
    source: context.source,
    enabled: context.enabled ?? true,
    version: context.version ?? 'config',
  };
  switch (settings.type) {
    case 'github': {
      const site = checkUrl('baseUrl', settings.baseUrl ?? 'https://github.com');
      const api =
        settings.apiUrl ??
        (site === 'https://github.com' ? 'https://api.github.com' : `${site}/api/v3`);
      return {
        ...base,
        github: {
          authorizationUrl: `${site}/login/oauth/authorize`,
          tokenUrl: `${site}/login/oauth/access_token`,
          apiUrl: checkUrl('apiUrl', api),
        },
      };
    }
    case 'gitlab':
      return { ...base, issuer: checkUrl('baseUrl', settings.baseUrl ?? 'https://gitlab.com') };
    case 'google':
      return { ...base, issuer: 'https://accounts.google.com' };
    case 'oidc':
      if (!settings.issuer)
        throw new ProviderSettingsError('issuer', 'an oidc provider needs an issuer');
      // The issuer is compared exactly with `iss`: keep it as written, only checked.
      checkUrl('issuer', settings.issuer);
      return { ...base, issuer: settings.issuer };
  }
}
