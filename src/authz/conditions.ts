import { cidrList } from '../identity/core/cidr.js';
import {
  type AttributePredicate,
  type AttributeValue,
  type AuthzContext,
  type AuthzResource,
  type ConditionKind,
  environments,
  type GrantConditions,
  PolicyError,
  type TimeWindow,
  weekdays,
} from './model.js';

/** Evaluates a grant's conditions: the first failing kind, or null when all hold. */
export type ConditionCheck = (
  resource: AuthzResource,
  context: AuthzContext,
  nowMs: number,
) => ConditionKind | null;

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minuteOfDay(text: string, where: string): number {
  const m = hhmm.exec(text);
  if (!m)
    throw new PolicyError('invalid_condition', `${where}: ${JSON.stringify(text)} is not HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function instant(text: string, where: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms))
    throw new PolicyError(
      'invalid_condition',
      `${where}: ${JSON.stringify(text)} is not an instant`,
    );
  return ms;
}

/** The local weekday (0 = Sunday) and minute of the day at `ms` in a time zone. */
type LocalClock = (ms: number) => { day: number; minute: number };

function localClock(timezone: string, where: string): LocalClock {
  if (timezone === 'UTC') {
    return (ms) => {
      const d = new Date(ms);
      return { day: d.getUTCDay(), minute: d.getUTCHours() * 60 + d.getUTCMinutes() };
    };
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new PolicyError('invalid_condition', `${where}: unknown time zone ${timezone}`);
  }
  return (ms) => {
    let day = -1;
    let hour = 0;
    let minute = 0;
    for (const part of format.formatToParts(ms)) {
      if (part.type === 'weekday') day = weekdays.indexOf(part.value.toLowerCase() as never);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    return { day, minute: hour * 60 + minute };
  };
}

function timeWindowCheck(w: TimeWindow, where: string): (ms: number) => boolean {
  const start = w.start === undefined ? -Infinity : instant(w.start, where);
  const end = w.end === undefined ? Infinity : instant(w.end, where);
  const from = w.from === undefined ? undefined : minuteOfDay(w.from, where);
  const to = w.to === undefined ? undefined : minuteOfDay(w.to, where);
  let days: ReadonlySet<number> | undefined;
  if (w.days !== undefined) {
    const set = new Set<number>();
    for (const d of w.days) {
      const i = weekdays.indexOf(d);
      if (i === -1) throw new PolicyError('invalid_condition', `${where}: unknown day ${d}`);
      set.add(i);
    }
    days = set;
  }
  const clock =
    days !== undefined || from !== undefined || to !== undefined
      ? localClock(w.timezone ?? 'UTC', where)
      : undefined;
  return (ms) => {
    if (ms < start || ms >= end) return false;
    if (!clock) return true;
    const local = clock(ms);
    if (days && !days.has(local.day)) return false;
    if (from !== undefined && to !== undefined) {
      return from <= to
        ? local.minute >= from && local.minute < to
        : local.minute >= from || local.minute < to;
    }
    if (from !== undefined) return local.minute >= from;
    if (to !== undefined) return local.minute < to;
    return true;
  };
}

function attributeCheck(
  p: AttributePredicate,
  where: string,
): (resource: AuthzResource, context: AuthzContext) => boolean {
  if (p.source !== 'context' && p.source !== 'resource')
    throw new PolicyError('invalid_condition', `${where}: unknown attribute source`);
  const list = Array.isArray(p.value) ? (p.value as readonly AttributeValue[]) : undefined;
  const scalar = list ? undefined : (p.value as AttributeValue);
  let test: (v: AttributeValue) => boolean;
  switch (p.op) {
    case 'equals':
      if (list) throw new PolicyError('invalid_condition', `${where}: equals takes one value`);
      test = (v) => v === scalar;
      break;
    case 'in': {
      if (!list) throw new PolicyError('invalid_condition', `${where}: in takes a list`);
      const set = new Set<AttributeValue>(list);
      test = (v) => set.has(v);
      break;
    }
    case 'prefix': {
      if (typeof scalar !== 'string')
        throw new PolicyError('invalid_condition', `${where}: prefix takes a string`);
      test = (v) => typeof v === 'string' && v.startsWith(scalar);
      break;
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (typeof scalar !== 'number' || !Number.isFinite(scalar))
        throw new PolicyError('invalid_condition', `${where}: ${p.op} takes a number`);
      const op = p.op;
      test = (v) =>
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (op === 'lt'
          ? v < scalar
          : op === 'lte'
            ? v <= scalar
            : op === 'gt'
              ? v > scalar
              : v >= scalar);
      break;
    }
    default:
      throw new PolicyError('invalid_condition', `${where}: unknown operator`);
  }
  const key = p.key;
  return (resource, context) => {
    const bag = p.source === 'context' ? context.attributes : resource.attributes;
    if (!bag || !Object.hasOwn(bag, key)) return false;
    const v = bag[key];
    return v !== undefined && test(v);
  };
}

/**
 * Compiles a grant's conditions once (time zones, CIDR lists, predicates), or returns
 * null when it has none. They are checked in a fixed order: time window, IP,
 * environment, attributes.
 */
export function compileConditions(
  c: GrantConditions | undefined,
  where: string,
): ConditionCheck | null {
  if (!c) return null;
  const time = c.timeWindow ? timeWindowCheck(c.timeWindow, where) : undefined;
  let ip: ReturnType<typeof cidrList> | undefined;
  if (c.ipCidrs) {
    if (c.ipCidrs.length === 0)
      throw new PolicyError('invalid_condition', `${where}: ipCidrs is empty`);
    try {
      ip = cidrList(c.ipCidrs);
    } catch {
      throw new PolicyError(
        'invalid_condition',
        `${where}: ipCidrs holds a value that is not a CIDR`,
      );
    }
  }
  let envs: ReadonlySet<string> | undefined;
  if (c.environments) {
    for (const e of c.environments)
      if (!environments.includes(e))
        throw new PolicyError('invalid_condition', `${where}: unknown environment ${e}`);
    envs = new Set(c.environments);
  }
  const attrs = (c.attributes ?? []).map((p) => attributeCheck(p, where));
  if (!time && !ip && !envs && attrs.length === 0) return null;
  return (resource, context, nowMs) => {
    if (time && !time(nowMs)) return 'time_window';
    if (ip && (context.ip === undefined || !ip.allows(context.ip))) return 'ip';
    if (envs && (context.environment === undefined || !envs.has(context.environment)))
      return 'environment';
    for (const a of attrs) if (!a(resource, context)) return 'attribute';
    return null;
  };
}
