import { InvalidArgumentError } from 'commander';

/**
 * A Commander argument parser for a whole number from `min` to `max`, written in plain
 * decimal digits: `10abc`, `1.5`, `1e3` and `0x10` are refused rather than read as
 * something the operator did not type. Commander reports the refusal with the option's
 * name and exits 2 before the command runs.
 *
 * @example
 * command.option('--limit <n>', 'how many', integerOption(1, 10_000), 50);
 */
export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\s*\d{1,16}\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`Must be a whole number from ${min} to ${max}.`);
    return n;
  };
}
