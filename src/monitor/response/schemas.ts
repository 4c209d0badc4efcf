import { Type } from 'typebox';
import type { ReadOnlyState } from './read-only-mode.js';
import type { ResponseActionRecord } from './store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const ActionStatusSchema = Type.Union([
  Type.Literal('executed'),
  Type.Literal('dry_run'),
  Type.Literal('skipped'),
  Type.Literal('failed'),
  Type.Literal('reverted'),
]);

export const ResponseActionSchema = Type.Object(
  {
    id: Type.String(),
    signalId: Nullable(Type.String()),
    incidentId: Nullable(Type.String()),
    detector: Nullable(Type.String()),
    action: Type.Union([
      Type.Literal('ban_ip'),
      Type.Literal('lock_account'),
      Type.Literal('revoke_sessions'),
      Type.Literal('revoke_api_keys'),
      Type.Literal('require_mfa'),
      Type.Literal('read_only'),
      Type.Literal('notify'),
    ]),
    subject: Nullable(
      Type.Object(
        { type: Nullable(Type.String()), id: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    status: ActionStatusSchema,
    reversible: Type.Boolean(),
    detail: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Type.String({ format: 'date-time' }),
    revertedAt: Nullable(Type.String({ format: 'date-time' })),
    revertedBy: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export function responseActionJson(r: ResponseActionRecord) {
  return {
    id: r.id,
    signalId: r.signalId,
    incidentId: r.incidentId,
    detector: r.detector,
    action: r.action,
    subject:
      r.subjectId === null && r.subjectType === null
        ? null
        : { type: r.subjectType, id: r.subjectId },
    status: r.status,
    reversible: r.reversible && r.status === 'executed',
    detail: r.detail,
    createdAt: new Date(r.createdAt).toISOString(),
    revertedAt: iso(r.revertedAt),
    revertedBy: r.revertedBy,
  };
}

export const ReadOnlyStateSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    since: Nullable(Type.String({ format: 'date-time' })),
    reason: Nullable(Type.String()),
    by: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export function readOnlyJson(s: ReadOnlyState) {
  return { enabled: s.enabled, since: iso(s.since), reason: s.reason, by: s.by };
}
