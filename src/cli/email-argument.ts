import { Value } from 'typebox/value';
import { RegisterBody } from '../identity/schemas.js';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * Refuses, as a usage error (exit 2), an email the HTTP API would refuse: the bounds of
 * RegisterBody. Called before the configuration is read or the database opened, so a
 * mistyped address is not reported as "no account has the email …" after a lookup; the
 * message names the option or argument and never echoes the value, which may be 5,000
 * characters or hold terminal escapes.
 *
 * @example
 * assertEmail(options.email, '--email');
 */
export function assertEmail(value: string, name: string): void {
  if (!Value.Check(RegisterBody.properties.email, value))
    throw new CliError(
      `${name} must be an email address (name@domain.tld, at most 254 characters)`,
      ExitCode.usage,
    );
}
