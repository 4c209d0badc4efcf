import type { Bindings, Logger } from 'pino';
import { type RedactorSlot, redactorSlotOf } from '../logger.js';
import { isSensitiveKey, redactCredentialsIn } from './log-redaction.js';
import { asString, msgPrefixSym, type PinoInternals, symbols } from './pino-internals.js';

/**
 * The request line without pino's general machinery: the same bytes pino writes for
 * `logger[level](mergeLine(...), msg)`, built from the request's fields by a template.
 *
 * Per request, pino's `_asJson` walks the merged object, looks up a serializer and a
 * redaction stringifier for every key, runs `formatters.log` (which copies nothing on a
 * request line) and builds the line piece by piece: ~4.5 µs on the benchmark machine,
 * against ~1.5 µs here. The writer only takes the plain case and returns false for
 * everything else, which the caller then hands to pino:
 * - a logger not made by createLogger (or a child with its own log formatter), or one with
 *   a mixin, message prefix, nested key, log-method or stream-write hook;
 * - a pluggable redactor plugged in (it may rewrite any field);
 * - a key with a serializer or a redaction path (`err`, `event`, `token`…), a key whose
 *   name is sensitive (its value would be censored), the same key twice (merge order);
 * - a value that is not a string, number, boolean, null or undefined.
 * What stays is what `redactSensitive` does to flat strings (API keys and JWTs censored),
 * done here field by field. Before its first line on a logger, the writer checks itself
 * against pino's own `asJson` on a sample of awkward values and stands aside for good if
 * they differ (a pino upgrade that changed its output).
 */

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** What a route binds to its lines (request-logger.ts). */
export interface RouteBindings {
  readonly resource: string;
  readonly action: string | undefined;
}

interface Plan {
  readonly slot: RedactorSlot;
  readonly messageKey: string;
  readonly serializers: Record<string, unknown>;
  readonly stringifiers: Record<string | symbol, unknown>;
  readonly errorKey: string;
  readonly keys: Map<string, KeyEntry>;
  verified: boolean;
}

interface KeyEntry {
  /** `,"key":`, or null when a line with the key must go through pino. */
  readonly prefix: string | null;
  /** The last line that had the key: a second sighting on one line is a repeated key. */
  line: number;
}

// Numbers the lines, for the repeated-key check.
let lineNumber = 0;

const plans = new WeakMap<Logger, Plan | null>();
const maxCachedKeys = 1024;

function planFor(logger: Logger): Plan | null {
  const slot = redactorSlotOf(logger);
  if (slot === undefined) return null;
  const pinoLogger = logger as unknown as PinoInternals;
  const hooks = pinoLogger[symbols.hooksSym];
  const serializers = pinoLogger[symbols.serializersSym];
  const stringifiers = pinoLogger[symbols.stringifiersSym];
  const messageKey = pinoLogger[symbols.messageKeySym];
  const plain =
    pinoLogger[symbols.mixinSym] == null &&
    msgPrefixSym !== undefined &&
    typeof (logger as unknown as Record<symbol, unknown>)[msgPrefixSym] !== 'string' &&
    !pinoLogger[symbols.nestedKeySym] &&
    !hooks?.logMethod &&
    !hooks?.streamWrite &&
    stringifiers[symbols.wildcardFirstSym] === undefined &&
    typeof messageKey === 'string' &&
    serializers[messageKey] === undefined &&
    stringifiers[messageKey] === undefined &&
    typeof pinoLogger[symbols.streamSym]?.write === 'function';
  if (!plain) return null;
  return {
    slot,
    messageKey,
    serializers,
    stringifiers,
    errorKey: pinoLogger[symbols.errorKeySym],
    keys: new Map(),
    verified: false,
  };
}

function keyEntryOf(plan: Plan, key: string): KeyEntry | undefined {
  let entry = plan.keys.get(key);
  if (entry !== undefined || plan.keys.size >= maxCachedKeys) return entry;
  const plain =
    key !== '__proto__' &&
    !isSensitiveKey(key) &&
    plan.serializers[key] === undefined &&
    plan.stringifiers[key] === undefined &&
    !(key === plan.errorKey && plan.serializers.err !== undefined);
  entry = { prefix: plain ? `,${asString(key)}:` : null, line: 0 };
  plan.keys.set(key, entry);
  return entry;
}

/** A field's JSON value as pino writes it; '' to leave it out, null if not plain. */
function jsonOf(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return asString(redactCredentialsIn(value));
    case 'number':
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return '';
    default:
      return value === null ? 'null' : null;
  }
}

/**
 * Appends `key: value` to `fields`; null when the line must go through pino: the key or
 * the value is not plain, or the key came before on this line (in the merged object it
 * would keep its first place and take its last value). Keys beyond the cache's bound
 * cannot be checked for repetition and go through pino too.
 */
function appendField(plan: Plan, fields: string, key: string, value: unknown): string | null {
  const entry = keyEntryOf(plan, key);
  if (entry === undefined || entry.prefix === null || entry.line === lineNumber) return null;
  entry.line = lineNumber;
  const json = jsonOf(value);
  if (json === null) return null;
  return json === '' ? fields : fields + entry.prefix + json;
}

/**
 * The fields of the line in merge order (Fastify's bindings, the route's, those added
 * later, the line's own), or null when they are not the plain case.
 */
function fieldsOf(
  plan: Plan,
  base: Bindings,
  route: RouteBindings | undefined,
  extra: Bindings | undefined,
  line: Record<string, unknown>,
): string | null {
  lineNumber++;
  let fields: string | null = '';
  for (const key in base) {
    fields = appendField(plan, fields, key, base[key]);
    if (fields === null) return null;
  }
  if (route !== undefined) {
    if (route.action !== undefined) fields = appendField(plan, fields, 'action', route.action);
    if (fields !== null) fields = appendField(plan, fields, 'resource', route.resource);
    if (fields === null) return null;
  }
  if (extra !== undefined) {
    for (const key in extra) {
      fields = appendField(plan, fields, key, extra[key]);
      if (fields === null) return null;
    }
  }
  for (const key in line) {
    fields = appendField(plan, fields, key, line[key]);
    if (fields === null) return null;
  }
  return fields;
}

/**
 * The object pino logs for the request line: the bindings and `line`, field by field in
 * the order a child's bindings would be written. Plain loops: spreading and Object.assign
 * into one object here measured several times slower.
 */
export function mergeLine(
  base: Bindings,
  route: RouteBindings | undefined,
  extra: Bindings | undefined,
  line: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const key in base) merged[key] = base[key];
  if (route !== undefined) {
    if (route.action !== undefined) merged.action = route.action;
    merged.resource = route.resource;
  }
  if (extra !== undefined) for (const key in extra) merged[key] = extra[key];
  for (const key in line) merged[key] = line[key];
  return merged;
}

function buildLine(
  plan: Plan,
  pinoLogger: PinoInternals,
  num: number,
  time: string,
  fields: string,
  msg: string,
): string | null {
  const levelStart = pinoLogger[symbols.lsCacheSym][num];
  if (levelStart === undefined) return null;
  return `${levelStart}${time}${pinoLogger[symbols.chindingsSym]}${fields},"${plan.messageKey}":${asString(msg)}${pinoLogger[symbols.endSym]}`;
}

// Values that take every branch of the escaping and the number formatting.
const sample = {
  base: { reqId: 'req-"1"\\' },
  route: { action: 'read', resource: '/v1/items/:id' },
  extra: { userId: 'u\u0001\n', flag: true, none: null, skip: undefined },
  line: {
    url: `/p\u2028\u007f\ud800é${'x'.repeat(100)}"`,
    status: 404,
    ms: 1.25,
    nan: Number.NaN,
    key: `rmp_prod_${'A1b2C3d4E5'.repeat(3)}`,
  },
};

/** True when the writer writes what pino's own asJson does for the sample, on `logger`. */
function agreesWithPino(plan: Plan, logger: Logger): boolean {
  const pinoLogger = logger as unknown as PinoInternals;
  const num = logger.levels.values.info ?? 30;
  const time = ',"time":"2000-01-01T00:00:00.000Z"';
  const { base, route, extra, line } = sample;
  const fields = fieldsOf(plan, base, route, extra, line);
  if (fields === null) return false;
  const ours = buildLine(plan, pinoLogger, num, time, fields, 'request "line"');
  const merged = mergeLine(base, route, extra, line);
  return ours === pinoLogger[symbols.asJsonSym](merged, 'request "line"', num, time);
}

/**
 * Writes the request line of a logger made by createLogger to its stream, as
 * `logger[level](mergeLine(base, route, extra, line), msg)` would, and returns true; or
 * writes nothing and returns false when the line is not the plain case (see above).
 * The caller has checked that the level is enabled.
 *
 * @example
 * if (!writeRequestLine(root, 'info', { reqId }, route, extra, line, 'request'))
 *   root.info(mergeLine({ reqId }, route, extra, line), 'request');
 */
export function writeRequestLine(
  logger: Logger,
  level: LevelName,
  base: Bindings,
  route: RouteBindings | undefined,
  extra: Bindings | undefined,
  line: Record<string, unknown>,
  msg: string,
): boolean {
  let plan = plans.get(logger);
  if (plan === undefined) {
    plan = planFor(logger);
    plans.set(logger, plan);
  }
  if (plan === null || plan.slot.current !== undefined) return false;
  if (!plan.verified) {
    // Once per logger, and only while no redactor is plugged in (asJson runs it).
    if (!agreesWithPino(plan, logger)) {
      plans.set(logger, null);
      return false;
    }
    plan.verified = true;
  }
  const fields = fieldsOf(plan, base, route, extra, line);
  if (fields === null) return false;
  const pinoLogger = logger as unknown as PinoInternals;
  const num = logger.levels.values[level];
  if (num === undefined) return false;
  const time = pinoLogger[symbols.timeSym]();
  const text = buildLine(plan, pinoLogger, num, time, fields, msg);
  if (text === null) return false;
  const stream = pinoLogger[symbols.streamSym];
  // A multistream routes by the metadata pino leaves on it (pino's proto.js write).
  if (stream[symbols.needsMetadataGsym] === true) {
    stream.lastLevel = num;
    stream.lastObj = mergeLine(base, route, extra, line);
    stream.lastMsg = msg;
    stream.lastTime = time.slice(pinoLogger[symbols.timeSliceIndexSym]);
    stream.lastLogger = logger;
  }
  stream.write(text);
  return true;
}
