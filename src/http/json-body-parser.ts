import type { FastifyInstance } from 'fastify';
import { RampartError } from '../errors/rampart-error.js';
import { httpErrors } from './errors.js';

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

function containsForbiddenKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      if (forbiddenKeys.has(key)) return true;
      stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/**
 * Replaces Fastify's body parsers with one strict JSON parser: any other media type is
 * 415. Kept apart from Fastify's default so that a syntax error (`invalid_json`) and a
 * prototype-pollution attempt (`forbidden_json_key`) get distinct codes.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new RampartError(httpErrors.invalid_json, { detail: 'The body is empty.' }), undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      done(new RampartError(httpErrors.invalid_json), undefined);
      return;
    }
    // Walk only when a forbidden name could be present; a \u escape could spell one.
    if (
      (text.includes('proto') || text.includes('constructor') || text.includes('\\u')) &&
      containsForbiddenKey(value)
    ) {
      done(new RampartError(httpErrors.forbidden_json_key), undefined);
      return;
    }
    done(null, value);
  });
}
