import { createHash, createHmac } from 'node:crypto';
import {
  type ClassificationMatcher,
  defaultClassificationMatcher,
  type Handling,
} from './classification.js';

export const redactedText = '[redacted]';

/** `ada@example.com` → `a***@example.com`: the person hidden, the provider kept. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return maskPartial(value);
  return `${value[0]}***${value.slice(at)}`;
}

/**
 * Keeps a little of a value to tell values apart: an IPv4 address keeps its /16, an IPv6
 * address its first three groups, other text its first and last two characters when
 * long enough (12+), else nothing.
 */
export function maskPartial(value: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(value);
  if (v4) return `${v4[1]}.${v4[2]}.x.x`;
  if (value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value)) {
    return `${value.split(':').slice(0, 3).join(':')}:x:x:x:x:x`;
  }
  if (value.length >= 12) return `${value.slice(0, 2)}***${value.slice(-2)}`;
  return '***';
}

/**
 * A stable pseudonym: HMAC-SHA-256 under `key` when given (a dictionary of emails cannot
 * reverse it), else plain SHA-256. Same input, same output: values stay joinable.
 */
export function hashValue(value: unknown, key?: Buffer): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const digest = key
    ? createHmac('sha256', key).update(text).digest('base64url')
    : createHash('sha256').update(text).digest('base64url');
  return `hash:${digest.slice(0, 22)}`;
}

export function applyHandling(handling: Handling, value: unknown, hashKey?: Buffer): unknown {
  if (value === null || value === undefined) return value;
  switch (handling) {
    case 'none':
      return value;
    case 'redact':
      return redactedText;
    case 'hash':
      return hashValue(value, hashKey);
    case 'mask_domain':
      return typeof value === 'string' ? maskEmail(value) : redactedText;
    case 'mask_partial':
      return typeof value === 'string' ? maskPartial(value) : redactedText;
  }
}

export interface RedactorOptions {
  matcher?: ClassificationMatcher;
  /** Key for `hash` handling (derive one from the master key); plain SHA-256 without. */
  hashKey?: Buffer;
  /** Apply only these handlings (e.g. `['redact']` for configuration); default all. */
  only?: readonly Handling[];
  /** Deeper values are replaced whole (cycles and pathological nesting); default 12. */
  maxDepth?: number;
}

export type Redactor = <T>(value: T) => T;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A function that returns `value` with every classified field handled. Copy-on-write:
 * the input is never changed, and an object with nothing to redact is returned as is
 * (no allocation). Arrays are transparent in paths (`items.*.email` is `items.email`).
 *
 * @example
 * const redact = createRedactor({ matcher: compileClassification(rules) });
 * redact({ email: 'ada@example.com', password: 'x' }); // { email: 'a***@example.com', password: '[redacted]' }
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const matcher = options.matcher ?? defaultClassificationMatcher;
  const only = options.only ? new Set(options.only) : undefined;
  const maxDepth = options.maxDepth ?? 12;
  const hashKey = options.hashKey;

  function walk(value: unknown, path: string[], depth: number): unknown {
    if (depth > maxDepth) return redactedText;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item !== 'object' || item === null) continue;
        const next = walk(item, path, depth + 1);
        if (next !== item) {
          out ??= value.slice();
          out[i] = next;
        }
      }
      return out ?? value;
    }
    if (!isPlainObject(value)) return value;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const field = value[key];
      path.push(key);
      const rule = matcher.classify(path);
      let next = field;
      if (rule && rule.handling !== 'none' && (!only || only.has(rule.handling))) {
        next = applyHandling(rule.handling, field, hashKey);
      } else if (typeof field === 'object' && field !== null) {
        next = walk(field, path, depth + 1);
      }
      path.pop();
      if (next !== field) {
        out ??= { ...value };
        out[key] = next;
      }
    }
    return out ?? value;
  }

  return <T>(value: T): T => walk(value, [], 0) as T;
}

/**
 * Redaction with the built-in classification, for log lines: pass it as a pino
 * serializer (`serializers: { event: redactForLog }`) or call it on any object.
 */
export const redactForLog: Redactor = createRedactor();
