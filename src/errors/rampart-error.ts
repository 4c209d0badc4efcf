/**
 * One error type for every capability. Each error is created from a catalogue entry, so
 * its `code` (stable forever), HTTP status and title never drift apart, and callers
 * narrow on `code`, never on message text.
 *
 * Messages (`detail`) are written for the client and must never contain secrets, tokens
 * or personal data; context for operators goes on `context`, which is logged but never
 * sent.
 */
export interface ErrorDefinition {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** Documentation: when this error happens and what the client should do. */
  readonly description: string;
}

type DefinitionInput = Omit<ErrorDefinition, 'code'>;

/**
 * Declares a capability's error catalogue. The key of each entry becomes its `code`.
 *
 * @example
 * export const identityErrors = defineErrors({
 *   invalid_credentials: { status: 401, title: 'Invalid credentials', description: '…' },
 * });
 * throw new RampartError(identityErrors.invalid_credentials);
 */
export function defineErrors<const T extends Record<string, DefinitionInput>>(
  entries: T,
): { readonly [K in keyof T & string]: ErrorDefinition & { readonly code: K } } {
  const out: Record<string, ErrorDefinition> = {};
  for (const [code, def] of Object.entries(entries)) {
    if (!/^[a-z][a-z0-9_]*$/.test(code))
      throw new Error(`error code ${code} is not lower_snake_case`);
    out[code] = Object.freeze({ code, ...def });
  }
  return Object.freeze(out) as never;
}

export interface RampartErrorOptions {
  /** A human explanation for the client; defaults to the catalogue description. */
  detail?: string;
  /** Extra public members of the problem document (e.g. validation errors). */
  extensions?: Record<string, unknown>;
  /** Response headers that belong to this error (e.g. `Allow`, `Retry-After`). */
  headers?: Record<string, string>;
  /** Private context for logs and the audit trail; never sent to the client. */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class RampartError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly extensions: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly context: Record<string, unknown> | undefined;

  constructor(definition: ErrorDefinition, options: RampartErrorOptions = {}) {
    super(options.detail ?? definition.title, options.cause ? { cause: options.cause } : undefined);
    this.name = 'RampartError';
    this.code = definition.code;
    this.status = definition.status;
    this.title = definition.title;
    this.detail = options.detail ?? definition.description;
    this.extensions = options.extensions;
    this.headers = options.headers;
    this.context = options.context;
  }
}

export function isRampartError(value: unknown): value is RampartError {
  return value instanceof RampartError;
}
