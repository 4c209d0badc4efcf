import { createHmac, hkdfSync } from 'node:crypto';
import type { AuditRecord } from '../audit/core/audit-record.js';
import type { AuditStore } from '../audit/store.js';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import type { ApiKeyRecord } from '../identity/api-key-store.js';
import type { AccountCache } from '../identity/core/account-cache.js';
import type { ApiKeyService } from '../identity/core/api-key-service.js';
import type { LoginService } from '../identity/core/login-service.js';
import type { MfaService } from '../identity/core/mfa-service.js';
import type { PasswordHasher } from '../identity/core/password-hasher.js';
import { type RequestContext, userActor } from '../identity/core/request-context.js';
import type { SessionService } from '../identity/core/session-service.js';
import { identityErrors } from '../identity/errors.js';
import type { SessionRecord } from '../identity/session-store.js';
import type { Account, AccountStore } from '../identity/store.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import { dataProtectErrors } from './errors.js';
import type { ConsentRecord, ConsentStore, PersonalDataStore } from './store.js';

/** Most audit records an export carries (newest kept); more are counted, not listed. */
export const exportAuditLimit = 10_000;

export interface GdprServiceOptions {
  accounts: AccountStore;
  accountCache: AccountCache;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  mfa: MfaService;
  hasher: PasswordHasher;
  /** Checks the password under the sign-in lockout budget (a stolen token buys no guesses). */
  login: LoginService;
  consents: ConsentStore;
  personalData: PersonalDataStore;
  audit: AuditStore | undefined;
  events: EventPublisher;
  masterKey: Buffer;
  consentPurposes: readonly string[];
  /** Seconds since login within which erasure needs no password; 0: always the password. */
  reauthMaxAge: number;
  now?: () => number;
}

export interface PersonalDataExport {
  exportedAt: number;
  account: Account;
  sessions: SessionRecord[];
  apiKeys: ApiKeyRecord[];
  mfa: { enabled: boolean; enabledAt: number | null; recoveryCodesRemaining: number };
  consents: ConsentState;
  auditRecords: AuditRecord[];
  auditRecordsTruncated: boolean;
}

export interface ConsentState {
  current: { purpose: string; granted: boolean; updatedAt: number | null }[];
  history: ConsentRecord[];
}

/** The pseudonymous id an erased account is known by: HMAC-SHA-256 under a derived key. */
export function derivePseudonymKey(masterKey: Buffer): Buffer {
  return Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart/gdpr-pseudonym/v1', 32),
  );
}

/**
 * GDPR rights of access (Art. 15, 20), erasure (Art. 17) and consent (Art. 7) for the
 * account holder. Audit records are not rewritten on erasure: they are hash-chained and
 * signed, and a rewrite would be indistinguishable from tampering. They name the account
 * by its random id; erasure removes everything that tied that id to a person, and
 * records the pseudonym (an HMAC of the id) by which the erased subject is known.
 */
export class GdprService {
  readonly #o: GdprServiceOptions;
  readonly #now: () => number;
  readonly #pseudonymKey: Buffer;
  readonly #purposes: ReadonlySet<string>;

  constructor(options: GdprServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#pseudonymKey = derivePseudonymKey(options.masterKey);
    this.#purposes = new Set(options.consentPurposes);
  }

  pseudonymOf(accountId: string): string {
    return createHmac('sha256', this.#pseudonymKey).update(accountId).digest('hex').slice(0, 32);
  }

  async export(accountId: string, ctx: RequestContext): Promise<PersonalDataExport> {
    const account = await this.#o.accounts.findAccountById(accountId);
    if (!account) throw new Error('account missing for an authenticated caller');
    const [sessions, apiKeys, mfa, consents, audit] = await Promise.all([
      this.#o.sessions.list(accountId),
      this.#o.apiKeys.list({ kind: 'user', id: accountId }),
      this.#o.mfa.status(accountId),
      this.consents(accountId),
      this.#o.audit
        ? this.#o.audit.query({ actorId: accountId, order: 'desc', limit: exportAuditLimit + 1 })
        : Promise.resolve([]),
    ]);
    await this.#o.events.publish({
      type: 'gdpr.exported',
      outcome: 'success',
      actor: userActor(accountId, ctx),
      target: { type: 'account', id: accountId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { sessions: sessions.length, apiKeys: apiKeys.length, auditRecords: audit.length },
    });
    return {
      exportedAt: this.#now(),
      account,
      sessions,
      apiKeys,
      mfa,
      consents,
      auditRecords: audit.slice(0, exportAuditLimit),
      auditRecordsTruncated: audit.length > exportAuditLimit,
    };
  }

  /**
   * Erases the account's personal data. Needs the current password, or a login within
   * `reauthMaxAge` seconds (`authTime`, seconds since the epoch).
   */
  async erase(
    accountId: string,
    proof: { password?: string; authTime: number | undefined },
    ctx: RequestContext,
  ): Promise<{ pseudonym: string }> {
    const account = await this.#o.accounts.findAccountWithCredentialsById(accountId);
    if (!account) throw new Error('account missing for an authenticated caller');
    const actor = userActor(accountId, ctx);
    if (proof.password !== undefined) {
      const password = proof.password;
      // A wrong password is `invalid_credentials` and counts toward the account's lockout.
      await this.#o.login.confirmCredentials(
        account,
        'account.erase',
        async () => {
          const ok = account.passwordHash
            ? await this.#o.hasher.verify(account.passwordHash, password)
            : await this.#o.hasher.verifyDummy(password);
          return ok ? undefined : 'wrong_password';
        },
        ctx,
      );
    } else {
      const age = Math.floor(this.#now() / 1000) - (proof.authTime ?? 0);
      if (this.#o.reauthMaxAge === 0 || proof.authTime === undefined || age > this.#o.reauthMaxAge)
        throw new RampartError(dataProtectErrors.reauthentication_required);
    }
    return this.#erase(accountId, account.roles, actor, ctx, {
      proof: proof.password !== undefined ? 'password' : 'recent_login',
    });
  }

  /**
   * An administrator erases an account (DELETE /v1/admin/accounts/:id, behind step-up):
   * the same erasure, with the administrator as the actor. The caller checks that another
   * administrator remains (counting roles assigned through the policy too).
   */
  async eraseByAdministrator(
    accountId: string,
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<{ pseudonym: string }> {
    const account = await this.#o.accounts.findAccountById(accountId);
    if (!account) throw new RampartError(identityErrors.account_not_found);
    // No roles: the last-administrator check was made by the caller, policy included.
    return this.#erase(accountId, [], actor, ctx, { proof: 'administrator' });
  }

  async #erase(
    accountId: string,
    roles: readonly string[],
    actor: EventActor,
    ctx: RequestContext,
    details: { proof: string },
  ): Promise<{ pseudonym: string }> {
    if (
      roles.includes('ADMIN') &&
      (await this.#o.accounts.countActiveAccountsWithRole('ADMIN')) <= 1
    )
      throw new RampartError(dataProtectErrors.last_admin_erasure);
    // Revoke first, through the services: every node refuses the tokens and keys at once.
    await this.#o.sessions.revokeAll(accountId, 'account_erased', actor, ctx);
    for (const key of await this.#o.apiKeys.list({ kind: 'user', id: accountId })) {
      if (key.revokedAt === null) await this.#o.apiKeys.revoke(key, 'account_erased', actor, ctx);
    }
    const pseudonym = this.pseudonymOf(accountId);
    await this.#o.personalData.eraseAccount({
      accountId,
      anonymisedEmail: `erased-${pseudonym}@erased.invalid`,
      now: this.#now(),
    });
    await this.#o.accountCache.changed(accountId);
    await this.#o.events.publish({
      type: 'gdpr.erased',
      outcome: 'success',
      actor,
      target: { type: 'account', id: accountId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { pseudonym, ...details },
    });
    return { pseudonym };
  }

  async consents(accountId: string): Promise<ConsentState> {
    const history = await this.#o.consents.consentHistory(accountId);
    const latest = new Map<string, ConsentRecord>();
    for (const r of history) latest.set(r.purpose, r);
    const purposes = new Set([...this.#purposes, ...latest.keys()]);
    return {
      current: [...purposes].sort().map((purpose) => {
        const r = latest.get(purpose);
        return { purpose, granted: r?.granted ?? false, updatedAt: r?.time ?? null };
      }),
      history,
    };
  }

  /** Records a grant or withdrawal (a new row: the history is kept); no-op when unchanged. */
  async setConsent(
    accountId: string,
    purpose: string,
    granted: boolean,
    ctx: RequestContext,
  ): Promise<ConsentState> {
    if (!this.#purposes.has(purpose))
      throw new RampartError(dataProtectErrors.consent_purpose_unknown);
    const before = await this.consents(accountId);
    const current = before.current.find((c) => c.purpose === purpose);
    if (current?.updatedAt !== null && current?.granted === granted) return before;
    await this.#o.consents.addConsent({
      id: uuidv7(this.#now()),
      accountId,
      purpose,
      granted,
      time: this.#now(),
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
    });
    await this.#o.events.publish({
      type: 'consent.changed',
      outcome: 'success',
      actor: userActor(accountId, ctx),
      target: { type: 'account', id: accountId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { purpose, granted },
    });
    return this.consents(accountId);
  }
}
