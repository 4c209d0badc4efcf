import { randomBytes } from 'node:crypto';

/** The header that marks a request as one the approvals API makes on a caller's behalf. */
export const internalCallHeader = 'x-rampart-approval-call';

export type InternalCall =
  /** POST /v1/authz/approvals: bind and record the request, never run it. */
  | { mode: 'create'; note: string | null }
  /** POST /v1/authz/approvals/:id/execute: run it only under its approval, once. */
  | { mode: 'execute' };

/**
 * The requests POST /v1/authz/approvals and …/execute replay through the caller's own
 * route (so its own authentication, permission guard and validation decide) are marked
 * with a one-use token only this process knows. A client sending the header gains
 * nothing: an unknown token is ignored.
 */
export class InternalApprovalCalls {
  readonly #pending = new Map<string, InternalCall>();

  /** A token for one internal call; `end` it when the call returned. */
  begin(call: InternalCall): { token: string; end: () => void } {
    const token = randomBytes(24).toString('base64url');
    this.#pending.set(token, call);
    return { token, end: () => this.#pending.delete(token) };
  }

  /** The call a request's header names, if it is one of ours. */
  of(header: string | string[] | undefined): InternalCall | undefined {
    return typeof header === 'string' ? this.#pending.get(header) : undefined;
  }
}
