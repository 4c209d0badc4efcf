/**
 * The dashboard's only way to the server: Rampart's public HTTP API, with the browser
 * session in `__Host-` cookies the page cannot read. Unsafe requests carry
 * `Sec-Fetch-Site: same-origin` (the browser adds it), which is the server's CSRF rule.
 */

export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** Ask for the tokens as cookies (login, MFA, refresh). */
  cookieSession?: boolean;
}

/** Called when the session cannot be renewed: the app shows the sign-in page. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/** Tells the app the session is gone (shows the sign-in page). */
export function signedOut(): void {
  onSignedOut();
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

async function send(path: string, o: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.cookieSession) headers['x-rampart-session'] = 'cookie';
  return fetch(withQuery(path, o.query), {
    method: o.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
}

async function problemOf(res: Response): Promise<Problem> {
  try {
    const body = (await res.json()) as Partial<Problem>;
    return {
      ...body,
      status: res.status,
      code: body.code ?? 'http_error',
      title: body.title ?? res.statusText,
    };
  } catch {
    return { status: res.status, code: 'http_error', title: res.statusText || 'Request failed' };
  }
}

let refreshing: Promise<boolean> | undefined;

/** Renews the access cookie with the refresh cookie; one attempt shared by all callers. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= send('/v1/auth/refresh', { method: 'POST', body: {}, cookieSession: true })
    .then((res) => res.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

const expiredCodes = new Set(['invalid_token', 'authentication_required']);

/** Calls the API; a 2xx answer's JSON (or undefined for 204), else throws ApiError. */
export async function request<T>(path: string, o: RequestOptions = {}): Promise<T> {
  let res = await send(path, o);
  if (res.status === 401 && !path.startsWith('/v1/auth/')) {
    const problem = await problemOf(res);
    if (!expiredCodes.has(problem.code)) throw new ApiError(problem);
    if (!(await refreshSession())) {
      onSignedOut();
      throw new ApiError(problem);
    }
    res = await send(path, o);
  }
  if (!res.ok) throw new ApiError(await problemOf(res));
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>(path, query ? { query } : {}),
  post: <T>(path: string, body: unknown = {}) => request<T>(path, { method: 'POST', body }),
  put: <T>(path: string, body: unknown = {}) => request<T>(path, { method: 'PUT', body }),
  delete: <T>(path: string, query?: Query) =>
    request<T>(path, { method: 'DELETE', ...(query ? { query } : {}) }),
};

/** A readable sentence for an error, with its code for support. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'step_up_required') {
    return 'This change needs a recent sign-in with a second factor: sign out, then sign in again with your authenticator code, and retry (step_up_required).';
  }
  if (error instanceof ApiError) {
    return `${error.problem.detail ?? error.problem.title} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
