import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type BareItem,
  type InnerList,
  type Item,
  parseDictionary,
  serializeInnerList,
} from 'structured-headers';

/**
 * HTTP Message Signatures (RFC 9421) with HMAC-SHA256, for the same guarantee as the
 * `X-Signature` scheme (src/shared/sign-request.ts): the API key's signing secret signs
 * the request's method, target and body digest, a creation time and a nonce.
 *
 * Parsing uses structured-headers (RFC 8941). The signature base is built here rather
 * than through an RFC 9421 library: the one maintained for Node follows draft 13, and the
 * server must build the base from the request target exactly as sent (Fastify's raw
 * `url`), not from a URL object that normalises it. Only what a request signature needs
 * is supported: derived components without parameters and header fields without
 * parameters (§2.1); anything else is refused, never guessed.
 */

/** The parts of an incoming request a signature may cover. */
export interface SignedMessage {
  method: string;
  /** `http` or `https`, as the server sees the request. */
  scheme: string;
  /** The Host header (lowercased for `@authority`). */
  authority: string;
  /** The path exactly as sent, without the query. */
  path: string;
  /** The query exactly as sent, without `?`; `''` when there is none. */
  query: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface SignatureParams {
  created?: number;
  expires?: number;
  nonce?: string;
  keyid?: string;
  alg?: string;
  tag?: string;
}

export interface ParsedMessageSignature {
  label: string;
  /** Covered component identifiers, in order (`@method`, `content-digest`, …). */
  components: string[];
  params: SignatureParams;
  /** The `@signature-params` value: the inner list as serialised in Signature-Input. */
  signatureParams: string;
  signature: Buffer;
}

export class MessageSignatureError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`HTTP message signature refused: ${reason}`);
    this.name = 'MessageSignatureError';
    this.reason = reason;
  }
}

function isInnerList(member: Item | InnerList): member is InnerList {
  return Array.isArray(member[0]);
}

function paramsOf(list: InnerList): SignatureParams {
  const out: SignatureParams = {};
  for (const [name, value] of list[1]) {
    const bare: BareItem = value;
    if ((name === 'created' || name === 'expires') && Number.isInteger(bare)) {
      out[name] = bare as number;
    } else if (
      (name === 'nonce' || name === 'keyid' || name === 'alg' || name === 'tag') &&
      typeof bare === 'string'
    ) {
      out[name] = bare;
    } else throw new MessageSignatureError(`parameter ${name} has the wrong type`);
  }
  return out;
}

/**
 * Reads one signature from the `Signature-Input` and `Signature` fields: the first label
 * whose parameters name a `keyid` (a request may carry signatures meant for others).
 */
export function parseMessageSignature(
  signatureInput: string,
  signature: string,
): ParsedMessageSignature {
  let inputs: ReturnType<typeof parseDictionary>;
  let values: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(signatureInput);
    values = parseDictionary(signature);
  } catch {
    throw new MessageSignatureError('Signature-Input or Signature is not a structured field');
  }
  for (const [label, member] of inputs) {
    if (!isInnerList(member) || !member[1].has('keyid')) continue;
    const components = member[0].map(([item, params]) => {
      if (typeof item !== 'string') throw new MessageSignatureError('component is not a string');
      if (params.size > 0) throw new MessageSignatureError(`component ${item} has parameters`);
      if (item !== item.toLowerCase()) throw new MessageSignatureError('component not lowercase');
      return item;
    });
    if (new Set(components).size !== components.length) {
      throw new MessageSignatureError('a component is covered twice');
    }
    const value = values.get(label);
    if (value === undefined || isInnerList(value) || !(value[0] instanceof ArrayBuffer)) {
      throw new MessageSignatureError(`no byte-sequence signature for label ${label}`);
    }
    return {
      label,
      components,
      params: paramsOf(member),
      signatureParams: serializeInnerList(member),
      signature: Buffer.from(value[0]),
    };
  }
  throw new MessageSignatureError('no signature with a keyid');
}

function headerValue(message: SignedMessage, name: string): string {
  const raw = message.headers[name];
  if (raw === undefined) throw new MessageSignatureError(`covered field ${name} is absent`);
  // §2.1: values trimmed, several field lines joined with ", ".
  return (Array.isArray(raw) ? raw : [raw]).map((v) => v.trim()).join(', ');
}

function componentValue(message: SignedMessage, id: string): string {
  switch (id) {
    case '@method':
      return message.method;
    case '@scheme':
      return message.scheme.toLowerCase();
    case '@authority':
      return message.authority.toLowerCase();
    case '@path':
      return message.path === '' ? '/' : message.path;
    case '@query':
      return `?${message.query}`;
    case '@request-target':
      return message.query === '' ? message.path : `${message.path}?${message.query}`;
    case '@target-uri':
      return `${message.scheme.toLowerCase()}://${message.authority.toLowerCase()}${message.path}${message.query === '' ? '' : `?${message.query}`}`;
    default:
      if (id.startsWith('@')) throw new MessageSignatureError(`unsupported component ${id}`);
      return headerValue(message, id);
  }
}

/** The signature base (RFC 9421 §2.5): one line per covered component, then the params. */
export function signatureBase(message: SignedMessage, parsed: ParsedMessageSignature): string {
  const lines = parsed.components.map((id) => {
    if (id === 'signature' || id === 'signature-input') {
      throw new MessageSignatureError(`${id} cannot be covered`);
    }
    const value = componentValue(message, id);
    if (/[\r\n]/.test(value)) throw new MessageSignatureError(`component ${id} has a line break`);
    return `"${id}": ${value}`;
  });
  lines.push(`"@signature-params": ${parsed.signatureParams}`);
  return lines.join('\n');
}

/** HMAC-SHA256 over the base, compared in constant time. */
export function verifyHmacSha256(base: string, key: Uint8Array, signature: Uint8Array): boolean {
  const expected = createHmac('sha256', key).update(base, 'utf8').digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

/** Signs a base (the client side, and tests). */
export function signHmacSha256(base: string, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(base, 'utf8').digest();
}

/**
 * Checks a `Content-Digest` field (RFC 9530) against the body's SHA-256: the field must
 * carry a `sha-256` member equal to it (other algorithms alongside are ignored).
 */
export function contentDigestMatches(field: string, bodySha256Hex: string): boolean {
  let members: ReturnType<typeof parseDictionary>;
  try {
    members = parseDictionary(field);
  } catch {
    return false;
  }
  const member = members.get('sha-256');
  if (member === undefined || isInnerList(member) || !(member[0] instanceof ArrayBuffer)) {
    return false;
  }
  const given = Buffer.from(member[0]);
  const expected = Buffer.from(bodySha256Hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `sha-256=:<base64>:` for a body digest in hex. */
export function contentDigestField(bodySha256Hex: string): string {
  return `sha-256=:${Buffer.from(bodySha256Hex, 'hex').toString('base64')}:`;
}
