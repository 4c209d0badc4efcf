import { Type } from 'typebox';
import { incidentDurations } from './incident-service.js';
import type { Incident, TimelineEntry } from './store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const NullableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const NullableMs = Type.Union([Type.Integer(), Type.Null()]);

export const SeveritySchema = Type.Union([
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('critical'),
]);
export const IncidentStatusSchema = Type.Union([
  Type.Literal('open'),
  Type.Literal('acknowledged'),
  Type.Literal('contained'),
  Type.Literal('resolved'),
]);

export const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    severity: SeveritySchema,
    status: IncidentStatusSchema,
    key: Type.Union([Type.String(), Type.Null()]),
    openedBy: Type.String(),
    startedAt: Type.String({ format: 'date-time' }),
    openedAt: Type.String({ format: 'date-time' }),
    acknowledgedAt: NullableDate,
    containedAt: NullableDate,
    resolvedAt: NullableDate,
    updatedAt: Type.String({ format: 'date-time' }),
    /** Milliseconds. */
    timeToDetect: Type.Integer(),
    timeToAcknowledge: NullableMs,
    timeToContain: NullableMs,
    timeToResolve: NullableMs,
  },
  { additionalProperties: false },
);

export const TimelineEntrySchema = Type.Object(
  {
    id: Type.String(),
    time: Type.String({ format: 'date-time' }),
    kind: Type.Union([
      Type.Literal('signal'),
      Type.Literal('action'),
      Type.Literal('notification'),
      Type.Literal('note'),
      Type.Literal('status'),
    ]),
    summary: Type.String(),
    actor: Type.Union([Type.String(), Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

export function incidentJson(i: Incident) {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    status: i.status,
    key: i.key,
    openedBy: i.openedBy,
    startedAt: new Date(i.startedAt).toISOString(),
    openedAt: new Date(i.openedAt).toISOString(),
    acknowledgedAt: iso(i.acknowledgedAt),
    containedAt: iso(i.containedAt),
    resolvedAt: iso(i.resolvedAt),
    updatedAt: new Date(i.updatedAt).toISOString(),
    ...incidentDurations(i),
  };
}

export function timelineJson(e: TimelineEntry) {
  return {
    id: e.id,
    time: new Date(e.time).toISOString(),
    kind: e.kind,
    summary: e.summary,
    actor: e.actor,
    data: e.data,
  };
}
