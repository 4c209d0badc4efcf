import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../../config/load-config.js';
import { redactConfig } from '../../../config/redact-config.js';
import { isLoopbackUrl, ProviderSettingsError, resolveProvider } from './providers.js';

const ctx = { publicUrl: 'https://auth.example.com/', source: 'config' as const };

describe('provider settings', () => {
  it('fills in the defaults of each type', () => {
    const github = resolveProvider({ type: 'github', clientId: 'c', clientSecret: 's' }, ctx);
    expect(github).toMatchObject({
      id: 'github',
      name: 'GitHub',
      scopes: ['read:user', 'user:email'],
      callbackUrl: 'https://auth.example.com/v1/auth/oauth/github/callback',
      github: {
        authorizationUrl: 'https://github.com/login/oauth/authorize',
        tokenUrl: 'https://github.com/login/oauth/access_token',
        apiUrl: 'https://api.github.com',
      },
    });
    expect(github.issuer).toBeUndefined();
    expect(resolveProvider({ type: 'google', clientId: 'c', clientSecret: 's' }, ctx).issuer).toBe(
      'https://accounts.google.com',
    );
    expect(resolveProvider({ type: 'gitlab', clientId: 'c', clientSecret: 's' }, ctx).issuer).toBe(
      'https://gitlab.com',
    );
  });

  it('takes a self-hosted GitLab and GitHub Enterprise base URL', () => {
    expect(
      resolveProvider(
        { type: 'gitlab', clientId: 'c', clientSecret: 's', baseUrl: 'https://git.corp.example/' },
        ctx,
      ).issuer,
    ).toBe('https://git.corp.example');
    expect(
      resolveProvider(
        { type: 'github', clientId: 'c', clientSecret: 's', baseUrl: 'https://ghe.corp.example' },
        ctx,
      ).github?.apiUrl,
    ).toBe('https://ghe.corp.example/api/v3');
  });

  it('keeps an oidc issuer exactly as written (it is compared with iss)', () => {
    const issuer = 'https://idp.example/realms/main/';
    expect(
      resolveProvider({ type: 'oidc', issuer, clientId: 'c', clientSecret: 's' }, ctx).issuer,
    ).toBe(issuer);
  });

  it('refuses plain http except on loopback, and an oidc provider without issuer', () => {
    const bad = [
      { type: 'oidc' as const, issuer: 'http://idp.example', clientId: 'c', clientSecret: 's' },
      { type: 'oidc' as const, clientId: 'c', clientSecret: 's' },
      { type: 'github' as const, apiUrl: 'http://10.0.0.1', clientId: 'c', clientSecret: 's' },
      {
        type: 'oidc' as const,
        issuer: 'https://user:pw@idp.example',
        clientId: 'c',
        clientSecret: 's',
      },
    ];
    for (const settings of bad)
      expect(() => resolveProvider(settings, ctx)).toThrow(ProviderSettingsError);
    expect(isLoopbackUrl('http://127.0.0.1:4000')).toBe(true);
    expect(isLoopbackUrl('http://localhost')).toBe(true);
    expect(isLoopbackUrl('http://127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackUrl('https://127.0.0.1')).toBe(false);
  });

  it('stops the start on an unsafe or duplicate provider in the config file', () => {
    const file = (providers: unknown[]) => ({ overrides: { oauth: { providers } } });
    const verdict = checkConfig({
      env: {},
      noFile: true,
      ...file([
        { type: 'oidc', issuer: 'http://idp.example', clientId: 'c', clientSecret: 's' },
        { type: 'google', clientId: 'c', clientSecret: 's' },
        { type: 'google', clientId: 'c', clientSecret: 's' },
      ]),
    } as never);
    expect(verdict.problems.map((p) => p.key)).toEqual([
      'oauth.providers.0.issuer',
      'oauth.providers.2.id',
    ]);
  });

  it('never shows a client secret in the effective configuration (rampart config check)', () => {
    const { config } = loadConfig({
      env: {},
      noFile: true,
      overrides: {
        oauth: {
          providers: [{ type: 'google', clientId: 'c', clientSecret: 'very-secret-value' }],
        },
      },
    });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('very-secret-value');
    expect(shown).toContain('"clientId":"c"');
  });
});
