import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Dispatcher, errors } from 'undici';
import { clientResponseHeaders } from './forward-headers.js';
import type { GatewayRouteStats } from './gateway-stats.js';
import { statusClass } from './gateway-stats.js';

/** What one gateway route's calls share. */
export interface UpstreamRoute {
  stats: GatewayRouteStats;
  /** Answers up to this size (declared by Content-Length) are read whole, then sent. */
  wholeAnswerBytes: number;
  /** How long to wait for the answer's headers once the request is sent (gateway.timeout). */
  timeoutMs: number;
  /** Largest answer kept for Idempotency-Key retries. */
  idempotencyMaxBytes: number;
  /** The upstream answered (with headers): the breaker counts a success. */
  answered(): void;
  /** The call failed before the answer was complete: the client's error answer. */
  failed(request: FastifyRequest, error: unknown): Error;
}

enum Mode {
  /** Waiting for the status line and headers. */
  Headers,
  /** A small answer of known length: read whole, then sent in one write. */
  Whole,
  /** An answer an Idempotency-Key may keep: read whole up to a limit, as text if it is. */
  Keep,
  /** Streamed to the client as it arrives. */
  Stream,
  Done,
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One request to the upstream, as an undici dispatch handler: the answer goes straight
 * into the Fastify reply, without the promise, async resource, header object and body
 * stream of `dispatcher.request()`. A small answer is collected and written in one go
 * (piping a stream through Fastify costs more than the copy); a large or unsized one is
 * streamed with backpressure (undici pauses the socket while the client is slow), and the
 * client going away aborts the upstream request.
 *
 * Uses undici's original handler callbacks (onConnect … onComplete): the Pool calls them
 * directly, where the newer controller API wraps every call in adapters.
 *
 * The wait for the answer is timed here, from the moment the request is sent: undici's
 * own headers timer ticks about every half second (its "fast timers") and fired up to a
 * second after `gateway.timeout`. Its timers stay as the bound on a stalled upload and on
 * a body that stops between chunks.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  readonly #route: UpstreamRoute;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;
  #mode = Mode.Headers;
  #abort: ((error?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #status = 0;
  #headers: string[] = [];
  #chunks: Buffer[] = [];
  #size = 0;
  #body: UpstreamBody | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The wait for the headers ran out, and the client has its 504. */
  #timedOut = false;

  constructor(route: UpstreamRoute, request: FastifyRequest, reply: FastifyReply) {
    this.#route = route;
    this.#request = request;
    this.#reply = reply;
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
  }

  /** The request, body included, is written: the wait for the answer starts. */
  onRequestSent(): void {
    if (this.#mode === Mode.Headers) this.#timer = setTimeout(expire, this.#route.timeoutMs, this);
  }

  /** No headers within the timeout: the client gets its 504 now, the call is aborted. */
  expire(): void {
    this.#timer = undefined;
    if (this.#mode !== Mode.Headers) return;
    const error = new errors.HeadersTimeoutError();
    this.onError(error);
    this.#timedOut = true;
    // undici answers the abort with onError, which has nothing left to do.
    this.#abort?.(error);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational answers (103 Early Hints) come before the real one.
    if (statusCode < 200) return true;
    clearTimeout(this.#timer);
    this.#route.answered();
    this.#route.stats.responses[statusClass(statusCode)]++;
    this.#status = statusCode;
    this.#resume = resume;
    this.#headers = clientResponseHeaders(rawHeaders);
    if (this.#request.idempotency) {
      this.#mode = Mode.Keep;
      return true;
    }
    const length = declaredLength(this.#headers);
    if (length !== undefined && length <= this.#route.wholeAnswerBytes) {
      this.#mode = Mode.Whole;
      return true;
    }
    this.#startStream();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#mode === Mode.Stream) return (this.#body as UpstreamBody).push(chunk);
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    // Too large to keep: what came so far, then the rest, streamed.
    if (this.#mode === Mode.Keep && this.#size > this.#route.idempotencyMaxBytes) {
      const chunks = this.#chunks;
      this.#chunks = [];
      this.#startStream();
      let flowing = true;
      for (const kept of chunks) flowing = (this.#body as UpstreamBody).push(kept);
      return flowing;
    }
    return true;
  }

  onComplete(): void {
    const mode = this.#mode;
    this.#mode = Mode.Done;
    if (mode === Mode.Stream) {
      (this.#body as UpstreamBody).push(null);
      return;
    }
    const chunks = this.#chunks;
    const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#size);
    this.#answer();
    if (mode === Mode.Keep) {
      // A claimed Idempotency-Key keeps the answer only when it arrives as text.
      let text: string | undefined;
      try {
        text = strictUtf8.decode(whole);
      } catch {}
      this.#reply.send(text ?? whole);
      return;
    }
    this.#reply.send(whole);
  }

  onError(error: Error): void {
    if (this.#timedOut) return;
    clearTimeout(this.#timer);
    this.#mode = Mode.Done;
    if (this.#body !== undefined) {
      // The answer has begun: all that can be done is to cut it off.
      this.#body.destroy(error);
      return;
    }
    this.#chunks = [];
    if (!this.#reply.sent) this.#reply.send(this.#route.failed(this.#request, error));
  }

  /** Called by the body stream when the client wants more (after a pause). */
  resume(): void {
    this.#resume?.();
  }

  /** The client stopped reading the answer (it went away): stop the upstream call. */
  cancel(error: Error | null): void {
    clearTimeout(this.#timer);
    if (this.#mode === Mode.Done) return;
    this.#mode = Mode.Done;
    this.#abort?.(error ?? new Error('the client closed the connection'));
  }

  #startStream(): void {
    this.#mode = Mode.Stream;
    this.#body = new UpstreamBody(this);
    this.#answer();
    this.#reply.send(this.#body);
  }

  /** The upstream's status and headers onto the reply (repeated fields as lists). */
  #answer(): void {
    const reply = this.#reply;
    const headers = this.#headers;
    reply.code(this.#status);
    // Names seen so far: a scan of the few before, a set once there are many.
    const seen = headers.length > 32 ? new Set<string>() : undefined;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      const value = headers[i + 1] as string;
      const repeated = seen ? seen.has(name) : seenBefore(headers, i, name);
      seen?.add(name);
      // Fastify's header() appends to set-cookie itself and replaces anything else.
      if (repeated && name !== 'set-cookie') {
        const current = reply.getHeader(name);
        reply.header(name, Array.isArray(current) ? [...current, value] : [String(current), value]);
      } else {
        reply.header(name, value);
      }
    }
  }
}

/** The answer's body for the client, fed by the upstream call as it arrives. */
class UpstreamBody extends Readable {
  readonly #call: UpstreamCall;

  constructor(call: UpstreamCall) {
    // undici's own response body reads ahead as far.
    super({ highWaterMark: 65_536 });
    this.#call = call;
  }

  override _read(): void {
    this.#call.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#call.cancel(error);
    callback(error);
  }
}

/** A module function rather than a closure per call: setTimeout passes the call. */
function expire(call: UpstreamCall): void {
  call.expire();
}

function seenBefore(headers: readonly string[], end: number, name: string): boolean {
  for (let i = 0; i < end; i += 2) if (headers[i] === name) return true;
  return false;
}

function declaredLength(headers: readonly string[]): number | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'content-length') continue;
    const value = headers[i + 1] as string;
    return value.length <= 15 && /^\d+$/.test(value) ? Number(value) : undefined;
  }
  return undefined;
}
