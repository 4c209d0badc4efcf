import type { DetectorName, ResponseActionName } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventBus, EventPublisher } from '../../events/event-bus.js';
import type { EventActor, SecurityEvent } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { DetectorSignal } from '../detectors/detector-signal.js';
import type { IncidentService } from '../incidents/incident-service.js';
import { responseErrors } from './errors.js';
import type { ReadOnlyMode } from './read-only-mode.js';
import {
  type Outcome,
  ResponseActions,
  type ResponseTargets,
  skipped,
  systemActor,
} from './response-actions.js';
import type {
  ActionStatus,
  MfaRequirementStore,
  ResponseActionRecord,
  ResponseStore,
} from './store.js';

export type { ResponseTargets } from './response-actions.js';

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

/**
 * Automated responses: each `detector.signal` runs the actions configured for its
 * detector (responses.actions), joins or opens the incident of its detector and key,
 * and records and publishes every action (executed, dry run, skipped) with what undoing
 * it needs. What each action does, and the allowlist, are in response-actions.ts.
 */
export class ResponseEngine {
  readonly #o: ResponseEngineOptions;
  readonly #now: () => number;
  readonly #actions: ResponseActions;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: ResponseEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#actions = new ResponseActions({ ...options, now: this.#now });
  }

  /** Subscribes to signals (and alert notifications, for incident timelines). */
  attach(bus: EventBus): () => void {
    const sub = bus.subscribe('responses', (event) => {
      // Not awaited: whoever published the signal (a detector flush) must not wait for
      // bans and revocations; close() waits for them instead.
      if (event.type === 'detector.signal') this.#track(this.handleSignal(event));
      else if (event.type === 'alert.firing' || event.type === 'alert.resolved') {
        // After the signals already in hand: the incident an alert names may be opening.
        const opening = [...this.#inFlight];
        this.#track(Promise.all(opening).then(() => this.#o.incidents.recordNotification(event)));
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
        outcome = await this.#actions.run(action, signal, incident.id, r.dryRun);
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
    await this.#actions.undo(record, actor);
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
