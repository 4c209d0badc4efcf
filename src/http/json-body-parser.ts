import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RampartError } from '../errors/rampart-error.js';
import { bodyDigest } from '../shared/sign-request.js';
import { httpErrors } from './errors.js';

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What makes a parsed body unfit for any handler, in one walk: a prototype-polluting key
 * (`forbidden_json_key`, which wins), else U+0000 in a key or a string (`nul_character`).
 * `nul: false` skips the strings when the text holds no `\u0000` escape.
 */
function hazardOf(
  value: unknown,
  nul: boolean,
): 'forbidden_json_key' | 'nul_character' | undefined {
  let nulFound = false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (nul && node.includes('\0')) nulFound = true;
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      if (forbiddenKeys.has(key)) return 'forbidden_json_key';
      if (nul && key.includes('\0')) nulFound = true;
      stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return nulFound ? 'nul_character' : undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Hex SHA-256 of the body bytes as received, kept only for signed requests (they sign
     * the body); null otherwise.
     */
    bodySha256: string | null;
  }
}

/**
 * True when `text` (valid JSON) nests objects or arrays deeper than `max`. A scan of the
 * text rather than of the parsed value: it stops at the first excess, and brackets inside
 * strings do not count.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Records the digest of the raw body when the request is signed. */
export function rememberBodyDigest(request: FastifyRequest, body: Buffer): void {
  // Both signature schemes cover the body: X-Signature lines and RFC 9421 (content-digest).
  if (
    request.headers['x-signature'] !== undefined ||
    request.headers['signature-input'] !== undefined
  ) {
    request.bodySha256 = bodyDigest(body);
  }
}

/**
 * Replaces Fastify's body parsers with one strict JSON parser: any other media type is
 * 415. Kept apart from Fastify's default so that a syntax error (`invalid_json`), a
 * prototype-pollution attempt (`forbidden_json_key`) and a NUL character (`nul_character`)
 * get distinct codes.
 */
export function registerJsonBodyParser(app: FastifyInstance, options: { maxDepth: number }): void {
  app.removeAllContentTypeParsers();
  app.decorateRequest('bodySha256', null);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    rememberBodyDigest(request, body as Buffer);
    const text = (body as Buffer).toString('utf8');
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
    // Only a body with more brackets than the limit can be too deep.
    if (text.length > options.maxDepth * 2 && jsonDeeperThan(text, options.maxDepth)) {
      done(new RampartError(httpErrors.json_too_deep), undefined);
      return;
    }
    // Walk only when a forbidden name could be present (a \u escape could spell one), or
    // a NUL: JSON carries U+0000 only as an escape (a raw control character is a syntax
    // error), and PostgreSQL refuses it in text, so it would fail deep in a store.
    if (text.includes('proto') || text.includes('constructor') || text.includes('\\u')) {
      const hazard = hazardOf(value, text.includes('\\u0000'));
      if (hazard !== undefined) {
        done(new RampartError(httpErrors[hazard]), undefined);
        return;
      }
    }
    done(null, value);
  });
}
