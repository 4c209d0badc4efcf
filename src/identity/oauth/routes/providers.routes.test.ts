import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
} from '../../../../test/support/http-helpers.js';
import {
  deliverCallback,
  fragmentOf,
  recordEvents,
  startSignIn,
} from '../../../../test/support/oauth-flow.js';
import {
  type OidcTestProvider,
  startOidcProvider,
} from '../../../../test/support/oidc-provider.js';
import { startTestRampart, type TestRampart } from '../../../../test/support/test-rampart.js';
import { SqlOAuthStore } from '../../../storage/sql/sql-oauth-store.js';

const publicUrl = 'http://127.0.0.1:9';

describe('admin API for social login providers', () => {
  let idp: OidcTestProvider;
  let r: TestRampart;
  let admin: string;
  let events: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    idp = await startOidcProvider({
      redirectUris: [`${publicUrl}/v1/auth/oauth/partner/callback`],
      users: [{ login: 'pat', email: 'pat@example.com', emailVerified: true }],
    });
    r = await startTestRampart({
      overrides: {
        publicUrl,
        oauth: {
          providers: [
            { type: 'google', clientId: 'g-client', clientSecret: 'g-secret-from-config' },
          ],
        },
      },
    });
    admin = (await createAdmin(r)).token;
    events = recordEvents(r);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
    await idp?.close();
  });

  const create = (payload: Record<string, unknown>, token = admin) =>
    r.app.inject({
      method: 'POST',
      url: '/v1/admin/oauth/providers',
      headers: bearer(token),
      payload,
    });

  it('adds a provider, seals its secret at rest and never returns it', async () => {
    const res = await create({
      id: 'partner',
      type: 'oidc',
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      id: 'partner',
      type: 'oidc',
      name: 'OpenID Connect',
      client_id: idp.clientId,
      scopes: ['openid', 'email', 'profile'],
      issuer: idp.issuer,
      callback_url: `${publicUrl}/v1/auth/oauth/partner/callback`,
      enabled: true,
      source: 'api',
    });
    expect(res.body).not.toContain(idp.clientSecret);
    const row = await r.oauth.providers.stored('partner');
    // Sealed by the data key ring (a v2 envelope naming the data key).
    expect(row?.clientSecretSealed).toMatch(/^v2\./);
    expect(row?.clientSecretSealed).not.toContain(idp.clientSecret);
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/oauth/providers',
      headers: bearer(admin),
    });
    expect(list.body).not.toContain('g-secret-from-config');
    expect(
      list
        .json<{ providers: { id: string; source: string }[] }>()
        .providers.map((p) => [p.id, p.source]),
    ).toEqual([
      ['google', 'config'],
      ['partner', 'api'],
    ]);
    expect(r.logText()).not.toContain(idp.clientSecret);
    expect(events.find((e) => e.type === 'oauth.provider.changed')?.details).toMatchObject({
      action: 'created',
    });
  });

  it('signs in through the provider added by the API', async () => {
    const started = await startSignIn(r, 'partner');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'pat' });
    expect(fragmentOf(await deliverCallback(r, back, started.stateCookie)).get('code')).toMatch(
      /^rmpoc_/,
    );
  });

  it('disables a provider with PUT, keeping its secret; a disabled provider cannot start', async () => {
    const res = await r.app.inject({
      method: 'PUT',
      url: '/v1/admin/oauth/providers/partner',
      headers: bearer(admin),
      payload: { type: 'oidc', issuer: idp.issuer, client_id: idp.clientId, enabled: false },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ enabled: false });
    const row = await r.oauth.providers.stored('partner');
    expect(row && r.oauth.providers.openSecret(row)).toBe(idp.clientSecret);
    const start = await r.app.inject({ method: 'GET', url: '/v1/auth/oauth/partner/start' });
    expectProblem(start, 404, 'oauth_provider_not_found');
  });

  it('refuses unsafe or incomplete settings with 422 oauth_provider_invalid', async () => {
    expectProblem(
      await create({
        id: 'plain',
        type: 'oidc',
        issuer: 'http://idp.example',
        client_id: 'x',
        client_secret: 'y',
      }),
      422,
      'oauth_provider_invalid',
    );
    expectProblem(
      await create({ id: 'noiss', type: 'oidc', client_id: 'x', client_secret: 'y' }),
      422,
      'oauth_provider_invalid',
    );
  });

  it('answers 502 oauth_provider_unavailable when discovery fails', async () => {
    const res = await create({
      id: 'down',
      type: 'oidc',
      issuer: 'http://127.0.0.1:1',
      client_id: 'x',
      client_secret: 'y',
    });
    expect(res.statusCode, res.body).toBe(201);
    const start = await r.app.inject({ method: 'GET', url: '/v1/auth/oauth/down/start' });
    expectProblem(start, 502, 'oauth_provider_unavailable');
  });

  it('keeps config-file providers read-only and their ids taken', async () => {
    expectProblem(
      await create({ id: 'google', type: 'google', client_id: 'x', client_secret: 'y' }),
      409,
      'oauth_provider_exists',
    );
    const put = await r.app.inject({
      method: 'PUT',
      url: '/v1/admin/oauth/providers/google',
      headers: bearer(admin),
      payload: { type: 'google', client_id: 'x' },
    });
    expectProblem(put, 409, 'oauth_provider_read_only');
  });

  it('binds a sealed secret to its row: copied to another provider, it does not open', async () => {
    const partner = await r.oauth.providers.stored('partner');
    if (!partner) throw new Error('partner missing');
    const store = new SqlOAuthStore(r.database.db);
    await store.createProvider({ ...partner, id: 'copy', enabled: true });
    await expect(r.oauth.providers.get('copy')).rejects.toMatchObject({ code: 'seal_tampered' });
    await store.deleteProvider('copy');
  });

  it('is for administrators only', async () => {
    const viewer = await createUser(r, 'viewer@example.com', ['VIEWER']);
    const token = await login(r, viewer.email, viewer.password);
    expectProblem(
      await create({ id: 'x', type: 'google', client_id: 'x', client_secret: 'y' }, token),
      403,
      'permission_denied',
    );
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/oauth/providers',
      headers: bearer(token),
    });
    expectProblem(list, 403, 'permission_denied');
  });

  it('refuses to delete a provider that is the only sign-in method of an account (409)', async () => {
    // Pat signed up through the provider: no password, no other identity.
    const pat = await r.stores.accounts.findAccountByEmail('pat@example.com');
    expect(pat?.passwordHash).toBeNull();
    const del = await r.app.inject({
      method: 'DELETE',
      url: '/v1/admin/oauth/providers/partner',
      headers: bearer(admin),
    });
    const problem = expectProblem(del, 409, 'oauth_provider_sole_sign_in');
    expect(problem.accounts).toBe(1);
    expect(await r.oauth.providers.stored('partner')).toBeDefined();
    expect(await r.oauth.links.list(pat?.id as string)).toHaveLength(1);
  });

  it('deletes a provider and the identities linked through it with force=true, audited', async () => {
    const pat = await r.stores.accounts.findAccountByEmail('pat@example.com');
    expect(await r.oauth.links.list(pat?.id as string)).toHaveLength(1);
    const del = await r.app.inject({
      method: 'DELETE',
      url: '/v1/admin/oauth/providers/partner?force=true',
      headers: bearer(admin),
    });
    expect(del.statusCode, del.body).toBe(204);
    const event = events.findLast(
      (e) => e.type === 'oauth.provider.changed' && e.details.action === 'deleted',
    );
    expect(event?.details).toMatchObject({ forced: true, strandedAccounts: 1 });
    // Cached lists for GET /v1/me are dropped at once, not after their TTL.
    expect(await r.oauth.links.list(pat?.id as string)).toEqual([]);
    expect(await r.oauth.providers.stored('partner')).toBeUndefined();
    const again = await r.app.inject({
      method: 'DELETE',
      url: '/v1/admin/oauth/providers/partner',
      headers: bearer(admin),
    });
    expectProblem(again, 404, 'oauth_provider_not_found');
  });
});
