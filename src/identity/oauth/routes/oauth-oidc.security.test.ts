/**
 * Attacks on the social-login callback, against a real OpenID provider on loopback:
 * - login CSRF: an attacker sends the victim's browser to the callback with the attacker's
 *   own code and state, or a forged state, hoping the victim ends up signed in as the
 *   attacker (the state must be bound to the browser that started the sign-in);
 * - a replayed callback (a code leaked through a log, a Referer or history) used again;
 * - an ID token minted for another sign-in (wrong nonce) or by another issuer (mix-up);
 * - account takeover through an email the provider never verified: whoever types the
 *   victim's address at a lax provider must not get into the victim's account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, expectProblem } from '../../../../test/support/http-helpers.js';
import {
  deliverCallback,
  fragmentOf,
  recordEvents,
  startSignIn,
} from '../../../../test/support/oauth-flow.js';
import { startForgingProvider, startMixUpMetadata } from '../../../../test/support/oidc-mix-up.js';
import {
  type OidcTestProvider,
  startOidcProvider,
} from '../../../../test/support/oidc-provider.js';
import { startTestRampart, type TestRampart } from '../../../../test/support/test-rampart.js';

const publicUrl = 'http://127.0.0.1:9';
const users = [
  { login: 'victim', email: 'victim@example.com', emailVerified: true },
  { login: 'attacker', email: 'attacker@example.com', emailVerified: true },
  { login: 'lax', email: 'owner@example.com', emailVerified: false },
  { login: 'lax-new', email: 'nobody-yet@example.com', emailVerified: false },
  { login: 'banned', email: 'banned@example.com', emailVerified: true },
];

describe('social login callback attacks', () => {
  let idp: OidcTestProvider;
  let other: OidcTestProvider;
  let mixUp: { issuer: string; close(): Promise<void> };
  let forger: { issuer: string; close(): Promise<void> };
  let r: TestRampart;
  let events: ReturnType<typeof recordEvents>;
  const failures = () =>
    events.filter((e) => e.type === 'auth.oauth.failed').map((e) => e.details.reason);

  beforeAll(async () => {
    const redirectUris = ['corp', 'mixup', 'forged'].map(
      (p) => `${publicUrl}/v1/auth/oauth/${p}/callback`,
    );
    idp = await startOidcProvider({ redirectUris, users });
    other = await startOidcProvider({ redirectUris, users });
    // Metadata that names its own issuer but sends every request to `other`.
    mixUp = await startMixUpMetadata(other.issuer);
    forger = await startForgingProvider(other.issuer);
    r = await startTestRampart({
      overrides: {
        publicUrl,
        oauth: {
          providers: [
            {
              id: 'corp',
              type: 'oidc',
              issuer: idp.issuer,
              clientId: idp.clientId,
              clientSecret: idp.clientSecret,
            },
            {
              id: 'forged',
              type: 'oidc',
              issuer: forger.issuer,
              clientId: other.clientId,
              clientSecret: other.clientSecret,
            },
            {
              id: 'mixup',
              type: 'oidc',
              issuer: mixUp.issuer,
              clientId: other.clientId,
              clientSecret: other.clientSecret,
            },
          ],
        },
      },
    });
    events = recordEvents(r);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
    await Promise.all([idp?.close(), other?.close(), mixUp?.close(), forger?.close()]);
  });

  it('refuses a callback without the state cookie of the browser that started it (login CSRF)', async () => {
    // The attacker starts a sign-in in their own browser and stops at the callback.
    const attacker = await startSignIn(r, 'corp');
    const back = await idp.authorize(attacker.authorizationUrl.href, { login: 'attacker' });
    // The victim's browser has no state cookie, or one of its own sign-in.
    const victim = await startSignIn(r, 'corp');
    expectProblem(await deliverCallback(r, back, undefined), 400, 'oauth_state_invalid');
    expectProblem(await deliverCallback(r, back, victim.stateCookie), 400, 'oauth_state_invalid');
    expect(failures()).toContain('state_invalid');
    // The attacker's own browser still completes: the refusals did not burn the code.
    expect(
      fragmentOf(await deliverCallback(r, back, attacker.stateCookie)).get('code'),
    ).toBeTruthy();
  });

  it('refuses a forged state, even with a matching cookie the attacker made up', async () => {
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'victim' });
    back.searchParams.set('state', 'forged-state-value-never-issued');
    const res = await deliverCallback(r, back, started.stateCookie);
    expectProblem(res, 400, 'oauth_state_invalid');
    const noState = new URL(back);
    noState.searchParams.delete('state');
    expectProblem(
      await deliverCallback(r, noState, started.stateCookie),
      400,
      'oauth_state_invalid',
    );
  });

  it('uses a code once: a replayed callback is refused with oauth_code_reused', async () => {
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'victim' });
    expect(
      fragmentOf(await deliverCallback(r, back, started.stateCookie)).get('code'),
    ).toBeTruthy();
    const replay = await deliverCallback(r, back, started.stateCookie);
    expectProblem(replay, 400, 'oauth_code_reused');
    expect(failures()).toContain('code_reused');
  });

  it('gives every sign-in its own PKCE challenge and nonce', async () => {
    const started = await Promise.all([startSignIn(r, 'corp'), startSignIn(r, 'corp')]);
    const [a, b] = started.map((s) => s.authorizationUrl.searchParams);
    expect(a?.get('code_challenge')).toBeTruthy();
    expect(a?.get('code_challenge')).not.toBe(b?.get('code_challenge'));
    expect(a?.get('nonce')).toBeTruthy();
    expect(a?.get('nonce')).not.toBe(b?.get('nonce'));
  });

  it("refuses a code stolen from the victim's sign-in and delivered with the attacker's own state (code injection)", async () => {
    const victim = await startSignIn(r, 'corp');
    const stolen = await idp.authorize(victim.authorizationUrl.href, { login: 'victim' });
    const attacker = await startSignIn(r, 'corp');
    const injected = new URL(stolen);
    injected.searchParams.set('state', String(attacker.authorizationUrl.searchParams.get('state')));
    // The code was bound (PKCE S256) to the victim's verifier: the provider refuses to
    // redeem it with the attacker's, before any ID token is looked at.
    expectProblem(
      await deliverCallback(r, injected, attacker.stateCookie),
      502,
      'oauth_exchange_failed',
    );
  });

  it("refuses a state started for one provider at another provider's callback", async () => {
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'victim' });
    const elsewhere = new URL(back);
    elsewhere.pathname = '/v1/auth/oauth/mixup/callback';
    expectProblem(
      await deliverCallback(r, elsewhere, started.stateCookie),
      400,
      'oauth_state_invalid',
    );
  });

  it('refuses an ID token issued for another nonce', async () => {
    const started = await startSignIn(r, 'corp');
    const tampered = new URL(started.authorizationUrl);
    tampered.searchParams.set('nonce', 'a-nonce-of-another-sign-in-0123456789');
    const back = await idp.authorize(tampered.href, { login: 'victim' });
    const res = await deliverCallback(r, back, started.stateCookie);
    expectProblem(res, 401, 'oauth_nonce_mismatch');
    expect(failures()).toContain('nonce_mismatch');
  });

  it('refuses a response naming another issuer (RFC 9207 iss parameter)', async () => {
    const started = await startSignIn(r, 'mixup');
    const back = await other.authorize(started.authorizationUrl.href, { login: 'victim' });
    expect(back.searchParams.get('iss')).toBe(other.issuer);
    expectProblem(
      await deliverCallback(r, back, started.stateCookie),
      401,
      'oauth_issuer_mismatch',
    );
  });

  it('refuses an ID token from another issuer, signed by that issuer (mix-up)', async () => {
    const started = await startSignIn(r, 'mixup');
    const back = await other.authorize(started.authorizationUrl.href, { login: 'victim' });
    // A provider that does not send `iss` in the response: only the ID token tells.
    back.searchParams.delete('iss');
    const res = await deliverCallback(r, back, started.stateCookie);
    expectProblem(res, 401, 'oauth_issuer_mismatch');
    expect(events.filter((e) => e.type === 'auth.oauth.failed').at(-1)?.details.reason).toBe(
      'issuer_mismatch',
    );
  });

  it('refuses an ID token whose signature is not by a key of the issuer', async () => {
    const started = await startSignIn(r, 'forged');
    const back = await other.authorize(started.authorizationUrl.href, { login: 'victim' });
    back.searchParams.delete('iss');
    const res = await deliverCallback(r, back, started.stateCookie);
    expectProblem(res, 401, 'oauth_token_invalid');
    expect(events.filter((e) => e.type === 'auth.oauth.failed').at(-1)?.details.reason).toBe(
      'token_invalid',
    );
  });

  it('never links an unverified email to the existing account that owns it', async () => {
    const owner = await createUser(r, 'owner@example.com');
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'lax' });
    const res = await deliverCallback(r, back, started.stateCookie);
    expectProblem(res, 403, 'oauth_email_unverified');
    expect(await r.oauth.links.list(owner.id)).toEqual([]);
    const refused = events.filter((e) => e.type === 'auth.oauth.login').at(-1);
    expect(refused).toMatchObject({ outcome: 'failure', details: { reason: 'email_unverified' } });
  });

  it('refuses a disabled account, and links nothing to it', async () => {
    const user = await createUser(r, 'banned@example.com');
    await r.database.db
      .updateTable('accounts')
      .set({ status: 'disabled' })
      .where('id', '=', user.id)
      .execute();
    await r.identity.accountCache.changed(user.id);
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'banned' });
    expectProblem(
      await deliverCallback(r, back, started.stateCookie),
      403,
      'oauth_account_disabled',
    );
    expect(await r.oauth.links.list(user.id)).toEqual([]);
  });

  it('never creates an account for an unverified email', async () => {
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'lax-new' });
    expectProblem(
      await deliverCallback(r, back, started.stateCookie),
      403,
      'oauth_email_unverified',
    );
    expect(await r.stores.accounts.findAccountByEmail('nobody-yet@example.com')).toBeUndefined();
  });
});
