import { type DestinationStream, type Logger, pino } from 'pino';
import { redactForLog } from '../dataprotect/core/redaction.js';

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

/**
 * pino's isoTime formats a Date on every line (~1.3 µs); under load many lines share a
 * millisecond, so the formatted stamp is reused until the clock moves.
 */
export function isoTimestamp(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastStamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastStamp;
}

export interface LoggerOptions {
  level: string;
  destination?: DestinationStream;
  /**
   * Classification-based redaction for logged security events (`{ event }`); default the
   * built-in classification. The explicit paths above stay as the cheap safety net.
   */
  redact?: (value: unknown) => unknown;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'rampart' },
      timestamp: isoTimestamp,
      redact: { paths: redactedLogPaths, censor: '[redacted]' },
      // A serializer runs only on lines that carry the key: the request path pays nothing.
      serializers: { event: options.redact ?? redactForLog },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
