import { resolve } from 'node:path';
import { quotedValueLimit, quoteValue } from '../shared/terminal-text.js';

/**
 * The parts of an argument a message may repeat: the argument itself, as a path from the
 * working directory (Node's file errors name that), the value of `--option=value`, and
 * the value of `-xvalue` (Commander passes those on alone).
 */
function echoableParts(argument: string): string[] {
  const parts = [argument, resolve(argument)];
  const equals = argument.indexOf('=');
  if (argument.startsWith('--') && equals > 0) parts.push(argument.slice(equals + 1));
  else if (/^-[^-]/.test(argument)) parts.push(argument.slice(2));
  return parts;
}

/**
 * `message` with every command-line argument longer than {@link quotedValueLimit}
 * characters that it repeats shortened by {@link quoteValue}. Commander's errors quote the
 * argument as typed (`unknown option '…'`, `argument '…' is invalid`), and so do ours and
 * Node's (`--file …: cannot be read`, `ENAMETOOLONG: …, open '…'`): the message printed for
 * a 100,000-character argument was 100,000 characters long. Here, once, for every error the
 * CLI prints. An argument already between quotes keeps its quote marks; one that is not
 * gets double quotes, so the count that follows cannot be read as part of the value.
 *
 * @example
 * shortenEchoedArguments(`error: unknown option '--${'a'.repeat(5000)}'`, argv);
 * // "error: unknown option '--aaa…' (5,002 characters)"
 */
export function shortenEchoedArguments(message: string, argv: readonly string[]): string {
  const long = new Set<string>();
  for (const argument of argv)
    for (const part of echoableParts(argument)) if (part.length > quotedValueLimit) long.add(part);
  let shortened = message;
  // Longest first: a shorter part (the value of --option=value) is inside the longer one.
  for (const value of [...long].sort((a, b) => b.length - a.length)) {
    if (!shortened.includes(value)) continue;
    for (const quote of ["'", '"'] as const)
      shortened = shortened.split(`${quote}${value}${quote}`).join(quoteValue(value, { quote }));
    shortened = shortened.split(value).join(quoteValue(value));
  }
  return shortened;
}
