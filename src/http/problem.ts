import type { RampartError } from '../errors/rampart-error.js';

/** An RFC 9457 problem document with Rampart's two extension members. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  [extension: string]: unknown;
}

export const problemContentType = 'application/problem+json';

/** The problem type URI; the server documents each code at this address. */
export function problemTypeUri(publicUrl: string, code: string): string {
  return `${publicUrl}/problems/${code}`;
}

export function toProblem(
  error: RampartError,
  publicUrl: string,
  instance: string,
  requestId: string,
): ProblemDocument {
  return {
    ...error.extensions,
    type: problemTypeUri(publicUrl, error.code),
    title: error.title,
    status: error.status,
    detail: error.detail,
    // The path only: a query string may carry secrets.
    instance,
    code: error.code,
    requestId,
  };
}
