import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// A "sane" incoming id: short, and only characters that cannot break a log line or a
// header. Anything else is replaced by a fresh one rather than trusted.
const saneRequestId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export const requestIdHeader = 'x-request-id';

/** Fastify `genReqId`: honour a sane incoming X-Request-Id, else generate a UUID. */
export function generateRequestId(request: IncomingMessage): string {
  const incoming = request.headers[requestIdHeader];
  if (typeof incoming === 'string' && saneRequestId.test(incoming)) return incoming;
  return randomUUID();
}
