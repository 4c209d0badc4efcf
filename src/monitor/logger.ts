import { hostname } from 'node:os';
import {
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
  pino,
} from 'pino';
import { redactForLog } from '../dataprotect/core/redaction.js';
import { type LogConfig, openLogDestination, openStdoutLines } from './logging/log-destinations.js';
import { type LogRedactor, redactSensitive } from './logging/log-redaction.js';

const secretFields = [
  'password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'refresh_token',
  'invite_token',
  'mfa_token',
  'recovery_code',
  'recoveryCodes',
  'otpauthUrl',
  'qrCode',
  'secret',
  'masterKey',
  'masterKeyPrevious',
  'clientSecret',
  'client_secret',
  'apiKey',
  'authorization',
  'cookie',
];
const headerFields = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["x-api-key"]',
  '["proxy-authorization"]',
];

/**
 * Paths redacted from every log line: the safety net for credentials logged by accident.
 * Request logging writes its own fields (request-logging.ts) and never raw headers or
 * bodies. The paths are explicit rather than wildcards (`*.password`): pino checks each
 * wildcard against every line, which costs ~4 µs each on the request path, while explicit
 * paths cost well under 1 µs together. They cover every shape Rampart logs: top-level
 * fields, request/response headers, bodies, errors and security-event details.
 */
export const redactedLogPaths = [
  ...secretFields,
  ...headerFields.map((h) => `headers${h.startsWith('[') ? h : `.${h}`}`),
  ...headerFields.map((h) => `req.headers${h.startsWith('[') ? h : `.${h}`}`),
  ...headerFields.map((h) => `res.headers${h.startsWith('[') ? h : `.${h}`}`),
  ...secretFields.map((f) => `body.${f}`),
  ...secretFields.map((f) => `req.body.${f}`),
  ...secretFields.map((f) => `err.${f}`),
  ...secretFields.map((f) => `event.details.${f}`),
  ...secretFields.map((f) => `context.${f}`),
];

let lastMs = -1;
let lastStamp = '';
let secondStart = -1;
let secondPrefix = '';
// `000Z"` … `999Z"`: the millisecond part of a stamp and the rest of the field.
const millisecondEnds = Array.from({ length: 1000 }, (_, ms) => `${`${ms}`.padStart(3, '0')}Z"`);

/**
 * pino's isoTime formats a Date on every line (~1.2 µs on the benchmark machine). Here the
 * stamp is reused until the clock moves, and a new millisecond only appends its digits to
 * the second's formatted prefix: under load nearly every line starts a new millisecond.
 * The result is exactly `new Date(now).toISOString()`.
 */
export function isoTimestamp(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    const ms = now % 1000;
    const second = now - ms;
    // Before 1970 the remainder is negative: not worth a second path.
    if (ms < 0) lastStamp = `,"time":"${new Date(now).toISOString()}"`;
    else {
      if (second !== secondStart) {
        secondStart = second;
        // `…T12:00:05.000Z` without `000Z`; also right for six-digit years.
        secondPrefix = `,"time":"${new Date(second).toISOString().slice(0, -4)}`;
      }
      lastStamp = secondPrefix + millisecondEnds[ms];
    }
  }
  return lastStamp;
}

let defaultStdout: DestinationStream | undefined;

/**
 * The one stdout destination of the loggers made without one: each opened its own, every
 * createLogger call would add a SonicBoom on fd 1 and an exit hook that is never removed.
 */
function sharedStdout(): DestinationStream {
  defaultStdout ??= openStdoutLines();
  return defaultStdout;
}

export interface LoggerOptions {
  level: string;
  /**
   * Where lines go; default stdout as the server writes it (openStdoutLines), terminal
   * controls escaped.
   */
  destination?: DestinationStream;
  /**
   * An extra redaction step for every logged object (the data-classification registry
   * plugs in here). The default redaction (log-redaction.ts) and the paths above always
   * run after it.
   */
  redact?: LogRedactor;
  /**
   * Classification-based redaction of logged security events (`{ event }`); default the
   * built-in classification (`redactForLog`).
   */
  redactEvent?: (value: unknown) => unknown;
}

// Each logger's pluggable redactor, settable after creation: the data-classification
// registry is built after the logger (it may load from the database) and plugs in then.
// Child loggers share their root's formatters, so setting it on the root covers them all.
const redactorSlots = new WeakMap<Logger, RedactorSlot>();
// The same slots by the `formatters.log` function, which every child of the logger shares
// (Fastify's own child of it included): how the request-line writer recognises a Rampart
// logger and sees whether a redactor is plugged in.
const slotsByFormatter = new WeakMap<object, RedactorSlot>();

/** A logger's pluggable redactor, as {@link setLogRedactor} sets it. */
export interface RedactorSlot {
  current: LogRedactor | undefined;
}

/**
 * The redactor slot of a logger made by {@link createLogger} or of any child that kept its
 * log formatter; undefined for any other logger.
 */
export function redactorSlotOf(logger: Logger): RedactorSlot | undefined {
  const formatters = (logger as unknown as Record<symbol, { log?: object } | undefined>)[
    pino.symbols.formattersSym
  ];
  return formatters?.log === undefined ? undefined : slotsByFormatter.get(formatters.log);
}

/**
 * What pino writes by default (`pid`, `hostname`) and the service: in a cluster of
 * stateless nodes each line says which process on which host wrote it. Read once, as
 * pino does: the request-line writer takes these bytes from the logger's bindings as they
 * are, so they cost nothing per line.
 */
const baseBindings = Object.freeze({ pid: process.pid, hostname: hostname(), service: 'rampart' });

function scrubBindings(bindings: Bindings, slot: RedactorSlot): Bindings {
  if (typeof bindings !== 'object' || bindings === null) return bindings;
  return redactSensitive(slot.current ? slot.current(bindings) : bindings);
}

/**
 * Runs the pluggable redactor (when one is plugged in) and the default scrub on the
 * bindings of every child of `logger` and on those added by `setBindings`, as on lines. `formatters.log` never sees bindings: pino serialises them once, when the
 * child is made. Nor does `formatters.bindings` help: pino runs it on the root's `base`
 * only and resets it on every child (pinojs/pino#1212, #1700; the fix was reverted in
 * #1380). Children inherit these methods from the root (pino makes a child with
 * `Object.create(parent)`), so Fastify's child and each request's child get them; the cost
 * is paid once per child, never per line.
 */
function scrubChildBindings(logger: Logger, slot: RedactorSlot): void {
  // pino's own methods, which the logger inherits from pino's prototype.
  const pinoChild = logger.child;
  const pinoSetBindings = logger.setBindings;
  Object.defineProperties(logger, {
    child: {
      value: function child(this: Logger, bindings: Bindings, options?: ChildLoggerOptions) {
        return Reflect.apply(pinoChild, this, [scrubBindings(bindings, slot), options]) as Logger;
      },
      writable: true,
      configurable: true,
    },
    setBindings: {
      value: function setBindings(this: Logger, bindings: Bindings) {
        pinoSetBindings.call(this, scrubBindings(bindings, slot));
      },
      writable: true,
      configurable: true,
    },
  });
}

/**
 * Rampart's pino logger: ISO timestamps, level labels, `pid`, `hostname` and `service` on
 * every line, and two layers of redaction — `formatters.log` (the pluggable redactor, then
 * the default key and value scrub) and pino's explicit paths. Both layers also run on the
 * bindings of child loggers (`child`, `setBindings`).
 *
 * @example
 * const logger = createLogger({ level: 'info' });
 * logger.info({ refresh_token: 'x' }, 'never written in clear');
 */
export function createLogger(options: LoggerOptions): Logger {
  const slot: RedactorSlot = { current: options.redact };
  const log = (line: Record<string, unknown>) =>
    redactSensitive(slot.current ? slot.current(line) : line);
  const logger = pino(
    {
      level: options.level,
      base: baseBindings,
      timestamp: isoTimestamp,
      redact: { paths: redactedLogPaths, censor: '[redacted]' },
      // Security events (`{ event }`) through the classification registry: a serializer
      // runs only on lines that carry the key, so the request path pays nothing for it.
      serializers: { event: options.redactEvent ?? redactForLog },
      formatters: {
        level: (label) => ({ level: label }),
        log,
      },
    },
    options.destination ?? sharedStdout(),
  );
  scrubChildBindings(logger, slot);
  redactorSlots.set(logger, slot);
  slotsByFormatter.set(log, slot);
  return logger;
}

/**
 * Plugs a redactor (the classification registry) into a logger made by {@link createLogger},
 * replacing the previous one; `undefined` removes it. The default redaction still runs
 * after it. Returns false for a logger from elsewhere, which it cannot reach.
 *
 * @example
 * setLogRedactor(rampart.logger, (line) => registry.redactLogLine(line));
 */
export function setLogRedactor(logger: Logger, redact: LogRedactor | undefined): boolean {
  const slot = redactorSlots.get(logger);
  if (!slot) return false;
  slot.current = redact;
  return true;
}

export interface OpenedLogger {
  readonly logger: Logger;
  /** Flushes and closes the log file (if any). */
  close(): Promise<void>;
}

/**
 * The logger `log.*` configures: its level and destinations (stdout, a rotated file).
 *
 * @example
 * const { logger, close } = await openLogger(config.log);
 */
export async function openLogger(
  config: LogConfig,
  options: { redact?: LogRedactor; redactEvent?: (value: unknown) => unknown } = {},
): Promise<OpenedLogger> {
  const destination = await openLogDestination(config);
  const logger = createLogger({
    level: config.level,
    destination: destination.stream,
    ...(options.redact ? { redact: options.redact } : {}),
    ...(options.redactEvent ? { redactEvent: options.redactEvent } : {}),
  });
  return {
    logger,
    async close() {
      logger.flush();
      await destination.close();
    },
  };
}
