import { BlockList } from 'node:net';
import type { DetectorName, ResponseActionName } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventBus, EventPublisher } from '../../events/event-bus.js';
import type { EventActor, SecurityEvent } from '../../events/security-event.js';
import { addCidr, ipAddress, parseCidr } from '../../identity/core/cidr.js';
import { clientNetwork } from '../../identity/core/client-network.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { DetectorSignal } from '../detectors/detector-engine.js';
import type { IncidentService } from '../incidents/incident-service.js';
import { responseErrors } from './errors.js';
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

export interface ResponseEngineOptions {
  config: Pick<RampartConfig, 'responses'>;
  store: ResponseStore;
  mfa: MfaRequirementStore;
  incidents: IncidentService;
  readOnly: ReadOnlyMode;
  targets: ResponseTargets;
  events: EventPublisher;
  onError: (error: unknown) => void;
  now?: () => number;
}

interface Outcome {
  status: ActionStatus;
  subjectType: ActionSubjectType | null;
  subjectId: string | null;
  reversible: boolean;
  detail: Record<string, unknown>;
}

const systemActor: EventActor = { kind: 'system', id: 'responses' };
const repeatLookbackMs = 7 * 86_400_000;
const irreversible = new Set<ResponseActionName>(['revoke_sessions', 'revoke_api_keys', 'notify']);

const skipped = (
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
 * Automated responses: each `detector.signal` runs the actions configured for its
 * detector (responses.actions), joins or opens the incident of its detector and key,
 * and records every action (executed, dry run, skipped) with what undoing it needs.
 * The allowlist — network.allow, allow rules, responses.neverBan, and the addresses of
 * trusted operators — is never banned, whatever a signal says.
 */
export class ResponseEngine {
  readonly #o: ResponseEngineOptions;
  readonly #now: () => number;
  readonly #neverBan = new BlockList();
  readonly #trusted: ReadonlySet<string>;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: ResponseEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    for (const cidr of options.config.responses.neverBan) {
      if (!parseCidr(cidr)) throw new Error(`responses.neverBan: not a CIDR: ${cidr}`);
      addCidr(this.#neverBan, cidr);
    }
    this.#trusted = new Set(options.config.responses.trustedOperators.map((t) => t.toLowerCase()));
  }

  /** Subscribes to signals (and alert notifications, for incident timelines). */
  attach(bus: EventBus): () => void {
    const sub = bus.subscribe('responses', (event) => {
      // Not awaited: whoever published the signal (a detector flush) must not wait for
      // bans and revocations; close() waits for them instead.
      if (event.type === 'detector.signal') this.#track(this.handleSignal(event));
      else if (event.type === 'alert.firing' || event.type === 'alert.resolved') {
        this.#track(this.#o.incidents.recordNotification(event));
      }
    });
    return () => sub.unsubscribe();
  }

  #track(work: Promise<unknown>): void {
    const p = work.then(
      () => {},
      (error: unknown) => this.#o.onError(error),
    );
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Resolves when every response started so far is done. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
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

  async handleSignal(event: SecurityEvent): Promise<ResponseActionRecord[]> {
    const r = this.#o.config.responses;
    const signal = event.details as unknown as DetectorSignal;
    const actions = r.enabled ? (r.actions[signal.detector as DetectorName] ?? []) : [];
    if (actions.length === 0) return [];
    const ev = signal.evidence;
    const incident = await this.#o.incidents.openOrJoin(
      {
        key: `${signal.detector}:${signal.key}`,
        title: `${signal.detector} on ${signal.key}`,
        severity: signal.severity,
        startedAt: ev.firstSeenAt,
        openedBy: 'system:responses',
        entries: [
          {
            kind: 'signal',
            summary: `${signal.detector}: ${ev.count} in ${ev.windowSeconds}s (threshold ${ev.threshold}) on ${signal.key}`,
            actor: 'system:detectors',
            data: { eventId: event.id, ...signal },
            time: event.time,
          },
        ],
      },
      systemActor,
    );
    const records: ResponseActionRecord[] = [];
    for (const action of actions) {
      let outcome: Outcome;
      try {
        outcome = await this.#run(action, signal, incident.id, r.dryRun);
      } catch (error) {
        this.#o.onError(error);
        const code = error instanceof RampartError ? error.code : 'internal';
        outcome = { ...skipped(null, null, code), status: 'failed' };
      }
      records.push(await this.#record(action, outcome, signal, event.id, incident.id));
    }
    return records;
  }

  async #record(
    action: ResponseActionName,
    o: Outcome,
    signal: DetectorSignal,
    signalId: string,
    incidentId: string,
  ): Promise<ResponseActionRecord> {
    const now = this.#now();
    const record: ResponseActionRecord = {
      id: uuidv7(now),
      signalId,
      incidentId,
      detector: signal.detector,
      action,
      subjectType: o.subjectType,
      subjectId: o.subjectId,
      status: o.status,
      reversible: o.reversible && o.status === 'executed',
      detail: o.detail,
      createdAt: now,
      revertedAt: null,
      revertedBy: null,
    };
    await this.#o.store.add(record);
    const subject = o.subjectId ? ` ${o.subjectType} ${o.subjectId}` : '';
    await this.#o.incidents.addEntry(incidentId, {
      kind: 'action',
      summary: `${action}${subject}: ${o.status}${o.status === 'skipped' || o.status === 'failed' ? ` (${String(o.detail.reason)})` : ''}`,
      actor: 'system:responses',
      data: { actionId: record.id, action, status: o.status, ...o.detail },
      time: now,
    });
    const type =
      o.status === 'executed'
        ? 'response.action.executed'
        : o.status === 'dry_run'
          ? 'response.action.dry_run'
          : 'response.action.skipped';
    await this.#o.events.publish({
      type,
      outcome: o.status === 'failed' ? 'failure' : 'success',
      severity: action === 'notify' && signal.severity === 'critical' ? 'critical' : undefined,
      actor: systemActor,
      target: { type: 'response_action', id: record.id },
      details: {
        action,
        status: o.status,
        detector: signal.detector,
        severity: signal.severity,
        key: signal.key,
        incidentId,
        subject: o.subjectId ? { type: o.subjectType, id: o.subjectId } : null,
        ...o.detail,
      },
    });
    return record;
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

  async #run(
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
        if (this.#isTrusted(ev.accountId))
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
        if (this.#isTrusted(ev.accountId))
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

  list(query: { limit: number; before?: number; status?: ActionStatus }) {
    return this.#o.store.list(query);
  }

  async get(id: string): Promise<ResponseActionRecord> {
    const record = await this.#o.store.find(id);
    if (!record) throw new RampartError(responseErrors.response_not_found);
    return record;
  }

  /** Undoes an executed action: lifts the ban or lock, clears the MFA flag, ends read-only mode. */
  async revert(id: string, actor: EventActor): Promise<ResponseActionRecord> {
    const record = await this.get(id);
    if (record.status !== 'executed')
      throw new RampartError(responseErrors.response_not_revertible);
    if (!record.reversible) throw new RampartError(responseErrors.response_not_reversible);
    const by = actor.id ?? actor.kind;
    // Claim first, so two operators reverting at once undo it once.
    if (!(await this.#o.store.markReverted(id, this.#now(), by))) {
      throw new RampartError(responseErrors.response_not_revertible);
    }
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
    const reverted: ResponseActionRecord = {
      ...record,
      status: 'reverted',
      revertedAt: this.#now(),
      revertedBy: by,
    };
    await this.#o.events.publish({
      type: 'response.action.reverted',
      outcome: 'success',
      actor,
      target: { type: 'response_action', id },
      details: {
        action: record.action,
        subject: { type: record.subjectType, id: record.subjectId },
      },
    });
    if (record.incidentId) {
      await this.#o.incidents.addEntry(record.incidentId, {
        kind: 'action',
        summary: `${record.action} reverted by ${by}`,
        actor: by,
        data: { actionId: id, action: record.action, status: 'reverted' },
      });
    }
    return reverted;
  }
}
