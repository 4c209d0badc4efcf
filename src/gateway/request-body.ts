import { pipeline, type Readable, Transform } from 'node:stream';
import { RampartError } from '../errors/rampart-error.js';
import { httpErrors } from '../http/errors.js';

/** Raised through the request stream when a streamed body passes the limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

export function payloadTooLarge(limit: number): RampartError {
  return new RampartError(httpErrors.payload_too_large, {
    detail: `The request body is larger than ${limit} bytes.`,
    context: { limit },
  });
}

/**
 * The body as a stream for the upstream, never buffered. A body with Content-Length is
 * passed on as is (Node's parser delivers exactly that many bytes, and a declared length
 * over the limit is refused before anything is sent); a chunked body is counted on its
 * way through and cut off past the limit.
 */
export function limitedBody(
  source: Readable,
  declaredLength: number | undefined,
  limit: number,
): Readable {
  if (declaredLength !== undefined) {
    if (declaredLength > limit) throw payloadTooLarge(limit);
    return source;
  }
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new BodyTooLargeError());
      else callback(null, chunk);
    },
  });
  pipeline(source, counter, () => {});
  return counter;
}

/** Reads a whole body (signed and idempotent routes must see it before it goes on). */
export async function readBody(source: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

export function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header)) return undefined;
  return Number(header);
}
