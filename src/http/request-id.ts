import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// A "sane" incoming id: short, and only characters that cannot break a log line or a
// header. Anything else is replaced by a fresh one rather than trusted.
const saneRequestId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export const requestIdHeader = 'x-request-id';

/*
 * Fresh ids are random (version 4) UUIDs, written as text 128 at a time from one fill of
 * the CSPRNG (crypto.randomUUID also draws its bytes in batches of 128). Written here
 * rather than taken from randomUUID, which builds each id from 20 concatenated pieces:
 * V8 keeps such a string as a rope, and the first check of it as a header value
 * (node:http validates every header) flattens it in a runtime call. The two cost ~3,500
 * instructions per request; one latin1 slice of the batch's text, a flat string, ~800
 * (bench/tools/instructions-per-request.js).
 */
const batch = 128;
const random = Buffer.alloc(16 * batch);
const text = Buffer.alloc(36 * batch);
const hexDigits = Buffer.from('0123456789abcdef', 'latin1');
let nextId = batch;

function writeBatch(): void {
  randomFillSync(random);
  let t = 0;
  for (let r = 0; r < random.length; r += 16) {
    // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx: the version nibble, then the variant bits 10.
    random[r + 6] = ((random[r + 6] as number) & 0x0f) | 0x40;
    random[r + 8] = ((random[r + 8] as number) & 0x3f) | 0x80;
    for (let j = 0; j < 16; j++) {
      if (j === 4 || j === 6 || j === 8 || j === 10) text[t++] = 0x2d; // '-'
      const byte = random[r + j] as number;
      text[t++] = hexDigits[byte >> 4] as number;
      text[t++] = hexDigits[byte & 15] as number;
    }
  }
  nextId = 0;
}

/** A new random (version 4) UUID, as a flat string. */
export function newRequestId(): string {
  if (nextId === batch) writeBatch();
  const start = nextId++ * 36;
  return text.toString('latin1', start, start + 36);
}

/** Fastify `genReqId`: honour a sane incoming X-Request-Id, else generate a UUID. */
export function generateRequestId(request: IncomingMessage): string {
  const incoming = request.headers[requestIdHeader];
  if (typeof incoming === 'string' && saneRequestId.test(incoming)) return incoming;
  return newRequestId();
}
