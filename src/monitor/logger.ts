import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Paths redacted from every log line. Request logging writes its own fields (see
 * request-logging.ts) and never the raw headers or body, so these are the safety net
 * for anything logged elsewhere: credentials under any of these names are censored.
 */
export const redactedLogPaths = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'masterKey',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.invite_token',
  '*.secret',
  '*.authorization',
  '*.cookie',
  '*.masterKey',
  '*.apiKey',
  '*["x-api-key"]',
  '*["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
];

export interface LoggerOptions {
  level: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'rampart' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedLogPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
