import { BlockList } from 'node:net';
import type { ResponseActionName } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventActor } from '../../events/security-event.js';
import { addCidr, ipAddress, parseCidr } from '../../identity/core/cidr.js';
import { clientNetwork } from '../../identity/core/client-network.js';
import type { DetectorSignal } from '../detectors/detector-signal.js';
import type { ReadOnlyMode } from './read-only-mode.js';
import type {
  ActionStatus,
  ActionSubjectType,
  MfaRequirementStore,
  ResponseActionRecord,
  ResponseStore,
} from './store.js';

/** What responses need of the rest of Rampart (narrow, so tests can see what is used). */
export interface ResponseTargets {
  ipAccess: {
    isAllowlisted(ip: string): boolean;
    ban(
      input: { ip: string; durationMs?: number; reason: string | null },
      actor: EventActor,
      ctx: object,
    ): Promise<{ id: string; cidr: string; expiresAt: number | null }>;
    lift(id: string, actor: EventActor, ctx: object): Promise<void>;
  };
  accounts: { getAccount(id: string): Promise<{ id: string; email: string }> };
  login: {
    lock(email: string, durationMs: number, actor: EventActor): Promise<number>;
    unlock(email: string, actor: EventActor): Promise<void>;
  };
  sessions: {
    revokeAll(
      accountId: string,
      reason: 'automated_response',
      actor: EventActor,
      ctx: object,
    ): Promise<string[]>;
  };
  apiKeys: {
    revokeById(id: string, reason: string, actor: EventActor): Promise<boolean>;
    revokeAllOf(accountId: string, reason: string, actor: EventActor): Promise<number>;
  };
}

export interface ResponseActionsOptions {
  config: Pick<RampartConfig, 'responses'>;
  store: Pick<ResponseStore, 'countSince'>;
  mfa: MfaRequirementStore;
  readOnly: ReadOnlyMode;
  targets: ResponseTargets;
  now?: () => number;
}

export interface Outcome {
  status: ActionStatus;
  subjectType: ActionSubjectType | null;
  subjectId: string | null;
  reversible: boolean;
  detail: Record<string, unknown>;
}

export const systemActor: EventActor = { kind: 'system', id: 'responses' };
const repeatLookbackMs = 7 * 86_400_000;
const irreversible = new Set<ResponseActionName>(['revoke_sessions', 'revoke_api_keys', 'notify']);

export const skipped = (
  subjectType: ActionSubjectType | null,
  subjectId: string | null,
  reason: string,
): Outcome => ({
  status: 'skipped',
  subjectType,
  subjectId,
  reversible: false,
  detail: { reason },
});

/**
 * What each action does, and undoes. The allowlist — network.allow, allow rules,
 * responses.neverBan, and trusted operators — is never acted on, whatever a signal says.
 */
export class ResponseActions {
  readonly #o: ResponseActionsOptions;
  readonly #now: () => number;
  readonly #neverBan = new BlockList();
  readonly #trusted: ReadonlySet<string>;

  constructor(options: ResponseActionsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    for (const cidr of options.config.responses.neverBan) {
      if (!parseCidr(cidr)) throw new Error(`responses.neverBan: not a CIDR: ${cidr}`);
      addCidr(this.#neverBan, cidr);
    }
    this.#trusted = new Set(options.config.responses.trustedOperators.map((t) => t.toLowerCase()));
  }

  #isTrusted(accountId: string | undefined, email?: string): boolean {
    if (accountId && this.#trusted.has(accountId.toLowerCase())) return true;
    return email !== undefined && this.#trusted.has(email.toLowerCase());
  }

  /** Trusted by id or by the email of the account (looked up only when emails are listed). */
  async #isTrustedAccount(accountId: string | undefined): Promise<boolean> {
    if (!accountId || this.#trusted.size === 0) return false;
    if (this.#isTrusted(accountId)) return true;
    const account = await this.#o.targets.accounts.getAccount(accountId).catch(() => undefined);
    return account !== undefined && this.#isTrusted(account.id, account.email);
  }

  #neverBanned(ip: string): boolean {
    const at = ipAddress(ip);
    if (!at) return true;
    return this.#o.targets.ipAccess.isAllowlisted(at.ip) || this.#neverBan.check(at.ip, at.family);
  }

  async #banDurationMs(network: string): Promise<{ durationMs: number; repeat: number }> {
    const r = this.#o.config.responses;
    const repeat = await this.#o.store.countSince(
      'ban_ip',
      network,
      this.#now() - repeatLookbackMs,
    );
    const durationMs = Math.min(r.banDuration * r.banEscalation ** repeat, r.maxBanDuration) * 1000;
    return { durationMs, repeat };
  }

  async run(
    action: ResponseActionName,
    signal: DetectorSignal,
    incidentId: string,
    dryRun: boolean,
  ): Promise<Outcome> {
    const ev = signal.evidence;
    const reason = `automated response to ${signal.detector}`;
    const done = (
      subjectType: ActionSubjectType | null,
      subjectId: string | null,
      detail: Record<string, unknown>,
    ): Outcome => ({
      status: dryRun ? 'dry_run' : 'executed',
      subjectType,
      subjectId,
      reversible: !irreversible.has(action),
      detail,
    });
    switch (action) {
      case 'ban_ip': {
        if (!ev.ip) return skipped('ip', null, 'no_address');
        const network = clientNetwork(ev.ip);
        if (this.#neverBanned(ev.ip)) return skipped('ip', network, 'allowlisted');
        if (await this.#isTrustedAccount(ev.accountId))
          return skipped('ip', network, 'trusted_operator');
        const { durationMs, repeat } = await this.#banDurationMs(network);
        const detail = { durationSeconds: durationMs / 1000, repeat };
        if (dryRun) return done('ip', network, detail);
        try {
          const rule = await this.#o.targets.ipAccess.ban(
            { ip: ev.ip, durationMs, reason },
            systemActor,
            {},
          );
          return done('ip', network, { ...detail, ruleId: rule.id, expiresAt: rule.expiresAt });
        } catch (error) {
          if (error instanceof RampartError && error.code === 'ip_allowlisted')
            return skipped('ip', network, 'allowlisted');
          throw error;
        }
      }
      case 'lock_account': {
        if (!ev.accountId) return skipped('account', null, 'no_account');
        const account = await this.#o.targets.accounts.getAccount(ev.accountId);
        if (this.#isTrusted(account.id, account.email))
          return skipped('account', account.id, 'trusted_operator');
        const durationMs = this.#o.config.responses.lockDuration * 1000;
        if (dryRun) return done('account', account.id, { durationSeconds: durationMs / 1000 });
        const until = await this.#o.targets.login.lock(account.email, durationMs, systemActor);
        return done('account', account.id, { durationSeconds: durationMs / 1000, until });
      }
      case 'revoke_sessions': {
        if (!ev.accountId) return skipped('account', null, 'no_account');
        if (await this.#isTrustedAccount(ev.accountId))
          return skipped('account', ev.accountId, 'trusted_operator');
        if (dryRun) return done('account', ev.accountId, {});
        const ids = await this.#o.targets.sessions.revokeAll(
          ev.accountId,
          'automated_response',
          systemActor,
          {},
        );
        return done('account', ev.accountId, { sessions: ids.length });
      }
      case 'revoke_api_keys': {
        if (ev.apiKeyId) {
          if (dryRun) return done('api_key', ev.apiKeyId, {});
          const revoked = await this.#o.targets.apiKeys.revokeById(
            ev.apiKeyId,
            reason,
            systemActor,
          );
          return done('api_key', ev.apiKeyId, { keys: revoked ? 1 : 0 });
        }
        if (!ev.accountId) return skipped('api_key', null, 'no_key');
        if (await this.#isTrustedAccount(ev.accountId))
          return skipped('account', ev.accountId, 'trusted_operator');
        if (dryRun) return done('account', ev.accountId, {});
        const n = await this.#o.targets.apiKeys.revokeAllOf(ev.accountId, reason, systemActor);
        return done('account', ev.accountId, { keys: n });
      }
      case 'require_mfa': {
        if (!ev.accountId) return skipped('account', null, 'no_account');
        if (dryRun) return done('account', ev.accountId, {});
        await this.#o.mfa.require(ev.accountId, reason, this.#now());
        return done('account', ev.accountId, {});
      }
      case 'read_only': {
        if (dryRun) return done('system', 'read_only', {});
        const changed = await this.#o.readOnly.enable(reason, systemActor);
        if (!changed) return skipped('system', 'read_only', 'already_on');
        return done('system', 'read_only', {});
      }
      case 'notify':
        return done(null, null, { incidentId, summary: `${signal.detector} on ${signal.key}` });
    }
  }

  /** Undoes an executed, reversible action. */
  async undo(record: ResponseActionRecord, actor: EventActor): Promise<void> {
    switch (record.action) {
      case 'ban_ip':
        await this.#o.targets.ipAccess
          .lift(String(record.detail.ruleId), actor, {})
          .catch((error: unknown) => {
            // Lifted by hand already, or expired: nothing left to undo.
            if (!(error instanceof RampartError && error.code === 'ip_rule_not_found')) throw error;
          });
        break;
      case 'lock_account': {
        const account = await this.#o.targets.accounts.getAccount(String(record.subjectId));
        await this.#o.targets.login.unlock(account.email, actor);
        break;
      }
      case 'require_mfa':
        await this.#o.mfa.clear(String(record.subjectId));
        break;
      case 'read_only':
        await this.#o.readOnly.disable(actor);
        break;
      default:
        break;
    }
  }
}
