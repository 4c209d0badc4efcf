import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 time-based one-time passwords, on top of `otpauth` (HOTP truncation, RFC 4226
 * §5.3, and the HMAC variants). Only the parameters authenticator apps agree on are
 * used for enrolment: SHA-1, 30-second steps, 6 digits; the others exist for the RFC's
 * test vectors.
 */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface TotpParameters {
  algorithm: TotpAlgorithm;
  digits: number;
  /** Seconds per step (RFC 6238 §4.1 X). */
  period: number;
}

export const defaultTotpParameters: Readonly<TotpParameters> = Object.freeze({
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
});

/** RFC 4226 §4 R6 asks for at least 128 bits and recommends 160: one SHA-1 block's output. */
export const totpSecretBytes = 20;

/** Steps either side of the current one a code may come from (RFC 6238 §5.2: one). */
export const totpWindow = 1;

export function generateTotpSecret(): Buffer {
  return randomBytes(totpSecretBytes);
}

/** The step (RFC 6238 T) that a Unix time in milliseconds falls in. */
export function totpStep(timestampMs: number, period = defaultTotpParameters.period): number {
  return Math.floor(timestampMs / 1000 / period);
}

/** The code of one step. */
export function totpCodeAtStep(
  secret: Uint8Array,
  step: number,
  parameters: TotpParameters = defaultTotpParameters,
): string {
  return HOTP.generate({
    secret: new Secret({ buffer: toArrayBuffer(secret) }),
    algorithm: parameters.algorithm,
    digits: parameters.digits,
    counter: step,
  });
}

/**
 * The code at a Unix time in milliseconds.
 *
 * @example
 * generateTotpCode(secret, Date.now()); // '492039'
 */
export function generateTotpCode(
  secret: Uint8Array,
  timestampMs: number,
  parameters: TotpParameters = defaultTotpParameters,
): string {
  return totpCodeAtStep(secret, totpStep(timestampMs, parameters.period), parameters);
}

/**
 * The step whose code `code` is, within `window` steps of `timestampMs`, or undefined.
 * Every candidate is computed and compared in constant time, so the answer's timing does
 * not tell which step (if any) matched. Whether the step was already used is the
 * caller's business (each code is accepted once).
 */
export function matchTotpCode(
  secret: Uint8Array,
  code: string,
  timestampMs: number,
  parameters: TotpParameters = defaultTotpParameters,
  window = totpWindow,
): number | undefined {
  if (code.length !== parameters.digits || !/^[0-9]+$/.test(code)) return undefined;
  const current = totpStep(timestampMs, parameters.period);
  const presented = Buffer.from(code, 'utf8');
  let matched: number | undefined;
  for (let step = current - window; step <= current + window; step++) {
    const expected = Buffer.from(totpCodeAtStep(secret, step, parameters), 'utf8');
    // Prefer the latest matching step: accepting it burns the earlier ones too.
    if (timingSafeEqual(expected, presented)) matched = step;
  }
  return matched;
}

/** The Key Uri Format authenticator apps scan: otpauth://totp/Issuer:account?secret=… */
export function totpUri(secret: Uint8Array, issuer: string, accountName: string): string {
  return new TOTP({
    issuer,
    label: accountName,
    secret: new Secret({ buffer: toArrayBuffer(secret) }),
    algorithm: defaultTotpParameters.algorithm,
    digits: defaultTotpParameters.digits,
    period: defaultTotpParameters.period,
  }).toString();
}

/** The secret as RFC 4648 base32, for typing into an app by hand. */
export function totpSecretBase32(secret: Uint8Array): string {
  return new Secret({ buffer: toArrayBuffer(secret) }).base32;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}
