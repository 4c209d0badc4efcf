import { connect } from 'node:net';
import { request } from 'undici';
import type { HealthObservation } from '../core/health.js';

export interface HttpProbeOptions {
  url: string;
  method: string;
  /** The status that passes; absent: any 2xx. */
  expectedStatus?: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * An HTTP request whose answer must carry the expected status. Redirects are not
 * followed (a 302 to a login page is not a healthy API), the body is discarded, and the
 * connection is closed after each probe so a check never pins a pooled socket.
 */
export function httpProbe(options: HttpProbeOptions) {
  const expected = options.expectedStatus;
  // Credentials in the URL become a Basic Authorization header (RFC 7617): fetch-style
  // clients refuse them in the URL, and the URL is then safe to show in errors.
  const url = new URL(options.url);
  const headers: Record<string, string> = { 'user-agent': 'rampart-health-check' };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const target = url.toString();
  return async (signal: AbortSignal): Promise<HealthObservation> => {
    const started = performance.now();
    const res = await request(target, {
      method: options.method as 'GET',
      signal,
      reset: true,
      headers,
    });
    await res.body.dump();
    const ms = round(performance.now() - started);
    const ok =
      expected === undefined
        ? res.statusCode >= 200 && res.statusCode < 300
        : res.statusCode === expected;
    return {
      componentType: 'component',
      observedValue: ms,
      observedUnit: 'ms',
      status: ok ? 'pass' : 'fail',
      ...(ok ? {} : { output: `status ${res.statusCode}` }),
    };
  };
}

/** A TCP connection to `host:port`, closed as soon as it is established. */
export function tcpProbe(options: { host: string; port: number }) {
  return (signal: AbortSignal): Promise<HealthObservation> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const socket = connect({ host: options.host, port: options.port });
      const onAbort = () => socket.destroy(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({
          componentType: 'component',
          observedValue: round(performance.now() - started),
          observedUnit: 'ms',
          status: 'pass',
        });
      });
      socket.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      });
    });
}
