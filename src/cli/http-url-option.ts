import { InvalidArgumentError } from 'commander';

/**
 * A Commander argument parser for the URL of a Rampart server: http:// or https:// with a
 * host. Anything else (a path, a file: URL, an empty string) was only found out after the
 * database was opened, and reported as "no Rampart server answers" with exit 1.
 *
 * @example
 * command.option('--url <url>', 'the running server', httpUrlOption);
 */
export function httpUrlOption(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '')
    throw new InvalidArgumentError('Must be an http:// or https:// URL.');
  return value;
}
