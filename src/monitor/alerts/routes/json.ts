import { RampartError } from '../../../errors/rampart-error.js';
import type { ChannelDefinition } from '../../channels/channel.js';
import { alertErrors } from '../../errors.js';
import type { AlertRule, Silence } from '../core/alert-rule.js';
import type { DeliveryRecord } from '../store.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null || ms === 0 ? null : iso(ms));

export function ruleJson(r: AlertRule) {
  return {
    ...r,
    ...(r.metric ? { metric: { name: r.metric.name, labels: { ...r.metric.labels } } } : {}),
    ...(r.signal ? { signal: { ...r.signal, labels: { ...r.signal.labels } } } : {}),
    labels: { ...r.labels },
    annotations: { ...r.annotations },
    channels: [...r.channels],
    groupBy: [...r.groupBy],
    createdAt: isoOrNull(r.createdAt),
    updatedAt: isoOrNull(r.updatedAt),
  };
}

export function channelJson(c: ChannelDefinition) {
  const s = c.settings as { to?: string[]; url?: string; secret?: string; template?: string };
  let target = '';
  if (s.to) target = s.to.join(', ');
  else if (s.url) {
    try {
      target = new URL(s.url).origin;
    } catch {
      target = '';
    }
  }
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    origin: c.origin,
    target,
    signed: typeof s.secret === 'string',
    template: s.template ?? null,
    createdAt: isoOrNull(c.createdAt),
    updatedAt: isoOrNull(c.updatedAt),
  };
}

export function silenceJson(s: Silence, now: number) {
  return {
    id: s.id,
    matchers: [...s.matchers],
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    comment: s.comment,
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    active: s.startsAt <= now && now < s.endsAt,
  };
}

export function deliveryJson(d: DeliveryRecord) {
  return { ...d, startedAt: iso(d.startedAt) };
}

/** Opaque cursors: the last id seen, base64url. */
export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^id:([0-9a-f-]{36})$/.exec(text);
  if (!match) throw new RampartError(alertErrors.alert_invalid_cursor);
  return match[1] as string;
}

export function parseTime(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}
