import type { Bindings, Logger } from 'pino';
import { type RedactorSlot, redactorSlotOf } from '../logger.js';
import {
  asJsonChannel,
  asString,
  msgPrefixSym,
  type PinoInternals,
  symbols,
} from './pino-internals.js';
import { RequestLineFields } from './request-line-fields.js';
import type { RouteLogBindings } from './request-logger.js';
import { isTerminalSafe, takesTerminalSafeLines } from './terminal-safe-line.js';

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
 * - a pluggable redactor plugged in (it may rewrite any field), or a subscriber to pino's
 *   `pino_asJson` tracing channel;
 * - a key with a serializer or a redaction path (`err`, `event`, `token`…), a key whose
 *   name is sensitive (its value would be censored), the same key twice (merge order);
 * - a value that is not a string, number, boolean, null or undefined.
 * What stays is what `redactSensitive` does to flat strings (API keys and JWTs censored),
 * done here field by field. Before its first line on a logger, the writer checks itself
 * against pino's own `asJson` on a sample of awkward values and stands aside for good if
 * they differ (a pino upgrade that changed its output).
 */

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

interface Plan {
  readonly slot: RedactorSlot;
  readonly messageKey: string;
  readonly fields: RequestLineFields;
  verified: boolean;
  head: { num: number; time: string; chindings: string; text: string; terminalSafe: boolean };
  tail: { msg: string | undefined; closed: string; open: string; terminalSafe: boolean };
}

const plans = new WeakMap<Logger, Plan | null>();

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
    fields: new RequestLineFields({
      serializers,
      stringifiers,
      errorKey: pinoLogger[symbols.errorKeySym],
    }),
    verified: false,
    head: { num: -1, time: '', chindings: '', text: '', terminalSafe: false },
    tail: { msg: undefined, closed: '', open: '', terminalSafe: false },
  };
}

/**
 * The object pino logs for the request line: the bindings and `line`, field by field in
 * the order a child's bindings would be written. Plain loops: spreading and Object.assign
 * into one object here measured several times slower.
 */
export function mergeLine(
  base: Bindings,
  route: RouteLogBindings | undefined,
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
  const chindings = pinoLogger[symbols.chindingsSym];
  const head = plan.head;
  // The level, the time and the logger's bindings: one piece for all the lines of a
  // millisecond (joined, so that it is one flat string).
  if (head.num !== num || head.time !== time || head.chindings !== chindings) {
    const levelStart = pinoLogger[symbols.lsCacheSym][num];
    if (levelStart === undefined) return null;
    const text = [levelStart, time, chindings].join('');
    plan.head = { num, time, chindings, text, terminalSafe: isTerminalSafe(text) };
  }
  const tail = plan.tail;
  if (tail.msg !== msg) {
    const closed = `,"${plan.messageKey}":${asString(msg)}${pinoLogger[symbols.endSym]}`;
    plan.tail = { msg, closed, open: `"${closed}`, terminalSafe: isTerminalSafe(closed) };
  }
  return `${plan.head.text}${fields}${plan.fields.endsInString ? plan.tail.open : plan.tail.closed}`;
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
  const fields = plan.fields.write(base, route, extra, line);
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
  route: RouteLogBindings | undefined,
  extra: Bindings | undefined,
  line: Record<string, unknown>,
  msg: string,
): boolean {
  let plan = plans.get(logger);
  if (plan === undefined) {
    plan = planFor(logger);
    plans.set(logger, plan);
  }
  if (plan === null || plan.slot.current !== undefined || asJsonChannel.hasSubscribers) {
    return false;
  }
  if (!plan.verified) {
    // Once per logger, and only while no redactor is plugged in (asJson runs it).
    if (!agreesWithPino(plan, logger)) {
      plans.set(logger, null);
      return false;
    }
    plan.verified = true;
  }
  const fields = plan.fields.write(base, route, extra, line);
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
  // Checked piece by piece as it was built: the stream need not scan it again.
  if (
    plan.fields.terminalSafe &&
    plan.head.terminalSafe &&
    plan.tail.terminalSafe &&
    takesTerminalSafeLines(stream)
  ) {
    stream.writeTerminalSafe(text);
  } else {
    stream.write(text);
  }
  return true;
}
