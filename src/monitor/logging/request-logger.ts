import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import { mergeLine, writeRequestLine } from './request-line-writer.js';

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];

/** What a route adds to each of its requests' log lines, computed once per route. */
export interface RouteLogBindings {
  /** The route pattern as registered (`/v1/users/:id`). */
  readonly resource: string;
  /** `action` on the lines, when the route has one. */
  readonly action: string | undefined;
}

/**
 * A request's logger, as Fastify hands it out on `request.log`, that creates its pino
 * child only when something logs through it.
 *
 * Fastify makes a child logger for every request (its bindings serialised on the spot,
 * ~1–2 µs), although most requests log nothing but their request line. Here the bindings
 * (`reqId`, `action`, `resource`, and `userId`/`apiKeyId` once authenticated) are kept as
 * fields; the request line is one flat call on the root logger with the same fields in
 * the same order ({@link RequestLogger.writeLine}). Handler lines, `child()` and the rest
 * go through a real child made on first use, so what is written does not change.
 *
 * It also carries the route pattern, so per-request hooks (request log, metrics, rate
 * limits) need not read `request.routeOptions`, which Fastify rebuilds on each read.
 */
export class RequestLogger implements FastifyBaseLogger {
  readonly #root: Logger;
  /** What Fastify binds itself: `{ reqId }`. */
  readonly #base: Bindings;
  readonly #route: RouteLogBindings | undefined;
  #extra: Bindings | undefined;
  #child: Logger | undefined;

  constructor(
    root: Logger,
    base: Bindings,
    route: RouteLogBindings | undefined,
    options?: ChildLoggerOptions,
  ) {
    this.#root = root;
    this.#base = base;
    this.#route = route;
    // A route with its own level or serializers: the child is different at once.
    if (options !== undefined && Object.keys(options).length > 0) this.#materialize(options);
  }

  /** True when the logger was made by a route's factory and knows its pattern. */
  get routeKnown(): boolean {
    return this.#route !== undefined;
  }

  /** The route pattern, when {@link routeKnown}. */
  get route(): string | undefined {
    return this.#route?.resource;
  }

  #bindings(): Bindings {
    const route = this.#route;
    return {
      ...this.#base,
      ...(route?.action !== undefined ? { action: route.action } : {}),
      ...(route !== undefined ? { resource: route.resource } : {}),
      ...this.#extra,
    };
  }

  #materialize(options?: ChildLoggerOptions): Logger {
    this.#child ??= this.#root.child(this.#bindings(), options);
    return this.#child;
  }

  /**
   * The request line: the bindings and `line` in one object, one call on the root logger
   * (or the child, if one was made). The same output as `child[level](line, msg)`; for a
   * Rampart logger the line is built without pino's general path (request-line-writer.ts).
   */
  writeLine(level: LevelName, line: Record<string, unknown>, msg: string): void {
    if (this.#child !== undefined) {
      this.#child[level](line, msg);
      return;
    }
    const root = this.#root;
    if (!root.isLevelEnabled(level)) return;
    if (writeRequestLine(root, level, this.#base, this.#route, this.#extra, line, msg)) return;
    root[level](mergeLine(this.#base, this.#route, this.#extra, line), msg);
  }

  /** Adds bindings to every later line of this request (pino's `setBindings`). */
  setBindings(bindings: Bindings): void {
    if (this.#child !== undefined) this.#child.setBindings(bindings);
    else
      this.#extra = this.#extra === undefined ? { ...bindings } : { ...this.#extra, ...bindings };
  }

  bindings(): Bindings {
    return this.#child !== undefined ? this.#child.bindings() : this.#bindings();
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#materialize().child(bindings, options);
  }

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.#root).isLevelEnabled(level);
  }

  get level(): string {
    return (this.#child ?? this.#root).level;
  }

  set level(level: string) {
    this.#materialize().level = level;
  }

  #log(level: LevelName, args: LogArgs): void {
    if (this.#child === undefined && !this.#root.isLevelEnabled(level)) return;
    (this.#materialize()[level] as (...a: LogArgs) => void)(...args);
  }

  fatal(...args: LogArgs): void {
    this.#log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#log('error', args);
  }
  warn(...args: LogArgs): void {
    this.#log('warn', args);
  }
  info(...args: LogArgs): void {
    this.#log('info', args);
  }
  debug(...args: LogArgs): void {
    this.#log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#log('trace', args);
  }
  silent(): void {}
}

/**
 * The route pattern of `request` (`/v1/users/:id`), undefined when it matched no route.
 * From the request's {@link RequestLogger} when it knows it, else from
 * `request.routeOptions` (which Fastify builds anew on each read).
 */
export function routePatternOf(request: FastifyRequest): string | undefined {
  const log = request.log;
  if (log instanceof RequestLogger && log.routeKnown) return log.route;
  return request.routeOptions.url;
}
