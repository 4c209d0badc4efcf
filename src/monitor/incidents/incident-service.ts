import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor, SecurityEvent } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { responseErrors } from '../response/errors.js';
import type {
  Incident,
  IncidentQuery,
  IncidentSeverity,
  IncidentStatus,
  IncidentStore,
  TimelineEntry,
  TimelineKind,
} from './store.js';

/** Where each status may go: forward only (steps may be skipped), resolved is final. */
export const incidentTransitions: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  open: ['acknowledged', 'contained', 'resolved'],
  acknowledged: ['contained', 'resolved'],
  contained: ['resolved'],
  resolved: [],
};

/** Milliseconds from the attack's start (or the opening) to each milestone; null until reached. */
export interface IncidentDurations {
  timeToDetect: number;
  timeToAcknowledge: number | null;
  timeToContain: number | null;
  timeToResolve: number | null;
}

export function incidentDurations(i: Incident): IncidentDurations {
  const since = (t: number | null) => (t === null ? null : t - i.openedAt);
  return {
    timeToDetect: i.openedAt - i.startedAt,
    timeToAcknowledge: since(i.acknowledgedAt),
    timeToContain: since(i.containedAt),
    timeToResolve: since(i.resolvedAt),
  };
}

/** Means over incidents that reached each milestone (MTTD, MTTA, MTTC, MTTR), in ms. */
export function meanDurations(incidents: readonly Incident[]): {
  mttd: number | null;
  mtta: number | null;
  mttc: number | null;
  mttr: number | null;
} {
  const mean = (values: (number | null)[]) => {
    const v = values.filter((x): x is number => x !== null);
    return v.length === 0 ? null : Math.round(v.reduce((a, b) => a + b, 0) / v.length);
  };
  const d = incidents.map(incidentDurations);
  return {
    mttd: mean(d.map((x) => x.timeToDetect)),
    mtta: mean(d.map((x) => x.timeToAcknowledge)),
    mttc: mean(d.map((x) => x.timeToContain)),
    mttr: mean(d.map((x) => x.timeToResolve)),
  };
}

export interface NewTimelineEntry {
  kind: TimelineKind;
  summary: string;
  actor: string | null;
  data: Record<string, unknown>;
  time?: number;
}

export interface OpenIncidentInput {
  title: string;
  severity: IncidentSeverity;
  key?: string | null;
  startedAt?: number;
  openedBy: string;
  entries?: readonly NewTimelineEntry[];
}

export interface IncidentServiceOptions {
  store: IncidentStore;
  events: EventPublisher;
  now?: () => number;
}

function actorName(actor: EventActor): string {
  return actor.kind === 'system' ? `system:${actor.id ?? 'rampart'}` : (actor.id ?? actor.kind);
}

/**
 * Incidents: opened by automated responses (one per detector and key until resolved:
 * later signals and actions join its timeline) or by hand; moved forward through
 * open → acknowledged → contained → resolved; timed from the attack's first evidence.
 */
export class IncidentService {
  readonly #o: IncidentServiceOptions;
  readonly #now: () => number;

  constructor(options: IncidentServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #entry(incidentId: string, e: NewTimelineEntry): TimelineEntry {
    const time = e.time ?? this.#now();
    return { id: uuidv7(time), incidentId, time, ...e };
  }

  async open(input: OpenIncidentInput, actor: EventActor): Promise<Incident> {
    const now = this.#now();
    const incident: Incident = {
      id: uuidv7(now),
      title: input.title,
      severity: input.severity,
      status: 'open',
      key: input.key ?? null,
      openedBy: input.openedBy,
      startedAt: Math.min(input.startedAt ?? now, now),
      openedAt: now,
      acknowledgedAt: null,
      containedAt: null,
      resolvedAt: null,
      updatedAt: now,
    };
    const entries = (input.entries ?? []).map((e) => this.#entry(incident.id, e));
    await this.#o.store.create(incident, entries);
    await this.#o.events.publish({
      type: 'incident.opened',
      outcome: 'success',
      actor,
      target: { type: 'incident', id: incident.id },
      details: { title: incident.title, severity: incident.severity, key: incident.key },
    });
    return incident;
  }

  /** Adds to the unresolved incident of `key`, or opens one. */
  async openOrJoin(
    input: OpenIncidentInput & { key: string },
    actor: EventActor,
  ): Promise<Incident> {
    const existing = await this.#o.store.findUnresolvedByKey(input.key);
    if (!existing) return this.open(input, actor);
    for (const e of input.entries ?? []) await this.#o.store.addEntry(this.#entry(existing.id, e));
    return existing;
  }

  async get(id: string): Promise<Incident> {
    const incident = await this.#o.store.find(id);
    if (!incident) throw new RampartError(responseErrors.incident_not_found);
    return incident;
  }

  timeline(id: string): Promise<TimelineEntry[]> {
    return this.#o.store.timeline(id);
  }

  list(query: IncidentQuery): Promise<Incident[]> {
    return this.#o.store.list(query);
  }

  async addEntry(incidentId: string, entry: NewTimelineEntry): Promise<void> {
    await this.#o.store.addEntry(this.#entry(incidentId, entry));
  }

  async addNote(id: string, text: string, actor: EventActor): Promise<TimelineEntry> {
    await this.get(id);
    const entry = this.#entry(id, {
      kind: 'note',
      summary: text,
      actor: actorName(actor),
      data: {},
    });
    await this.#o.store.addEntry(entry);
    await this.#o.events.publish({
      type: 'incident.note.added',
      outcome: 'success',
      actor,
      target: { type: 'incident', id },
      details: { entryId: entry.id },
    });
    return entry;
  }

  /**
   * Moves an incident forward. Skipped milestones are stamped too (resolving an open
   * incident acknowledges and contains it at that moment), so every duration is defined.
   */
  async transition(
    id: string,
    to: IncidentStatus,
    actor: EventActor,
    note?: string,
  ): Promise<Incident> {
    const current = await this.get(id);
    if (!incidentTransitions[current.status].includes(to)) {
      throw new RampartError(responseErrors.incident_transition_invalid, {
        context: { from: current.status, to },
      });
    }
    const now = this.#now();
    const next: Incident = { ...current, status: to, updatedAt: now };
    next.acknowledgedAt ??= now;
    if (to === 'contained' || to === 'resolved') next.containedAt ??= now;
    if (to === 'resolved') next.resolvedAt = now;
    if (!(await this.#o.store.update(next, current.status))) {
      throw new RampartError(responseErrors.incident_transition_invalid, {
        context: { from: current.status, to, reason: 'changed_concurrently' },
      });
    }
    await this.#o.store.addEntry(
      this.#entry(id, {
        kind: 'status',
        summary: note ? `${current.status} → ${to}: ${note}` : `${current.status} → ${to}`,
        actor: actorName(actor),
        data: { from: current.status, to },
        time: now,
      }),
    );
    await this.#o.events.publish({
      type: 'incident.status.changed',
      outcome: 'success',
      actor,
      target: { type: 'incident', id },
      details: { from: current.status, to },
    });
    return next;
  }

  /**
   * Puts an alert notification on the timeline of the incident it names
   * (details.incidentId) or whose detector and key it carries (in details or its labels).
   */
  async recordNotification(event: SecurityEvent): Promise<void> {
    const d = event.details as Record<string, unknown>;
    const labels = (typeof d.labels === 'object' && d.labels !== null ? d.labels : {}) as Record<
      string,
      unknown
    >;
    const pick = (name: string) =>
      typeof d[name] === 'string' ? (d[name] as string) : (labels[name] as string | undefined);
    let incident: Incident | undefined;
    const incidentId = pick('incidentId');
    if (incidentId) incident = await this.#o.store.find(incidentId);
    const detector = pick('detector');
    const key = pick('key');
    if (!incident && detector && key) {
      incident = await this.#o.store.findUnresolvedByKey(`${detector}:${key}`);
    }
    if (!incident) return;
    const name = pick('rule') ?? pick('alertname') ?? pick('name') ?? 'alert';
    await this.addEntry(incident.id, {
      kind: 'notification',
      summary: `${event.type === 'alert.firing' ? 'alert firing' : 'alert resolved'}: ${name}`,
      actor: 'system:alerts',
      data: { eventId: event.id, type: event.type },
      time: event.time,
    });
  }
}
