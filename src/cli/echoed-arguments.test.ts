import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shortenEchoedArguments } from './echoed-arguments.js';

/**
 * An argument of 100,000 characters (a pasted file, a runaway script) was repeated whole
 * by the error that refused it, burying the message on the operator's terminal.
 */
describe('shortenEchoedArguments', () => {
  const long = 'a'.repeat(100_000);
  const argv = ['node', 'rampart', 'user', 'unlock', 'a@example.com', '--url', long];

  it('shortens an argument Commander quotes, keeping its quote marks', () => {
    expect(
      shortenEchoedArguments(
        `error: option '--url <url>' argument '${long}' is invalid. Must be an http:// URL.\n`,
        argv,
      ),
    ).toBe(
      `error: option '--url <url>' argument '${'a'.repeat(120)}…' (100,000 characters) is invalid. Must be an http:// URL.\n`,
    );
  });

  it('quotes an argument a message repeats bare, so the count is not read as part of it', () => {
    expect(
      shortenEchoedArguments(`rampart: --from: not a date or ISO 8601 time: ${long}\n`, argv),
    ).toBe(
      `rampart: --from: not a date or ISO 8601 time: "${'a'.repeat(120)}…" (100,000 characters)\n`,
    );
  });

  it('finds the value of --option=value and of -xvalue', () => {
    const value = `b\u001b${'b'.repeat(5000)}`;
    for (const argument of [`--format=${value}`, `-f${value}`])
      expect(
        shortenEchoedArguments(`rampart: unknown format ${value}; use text`, ['scan', argument]),
      ).toBe(`rampart: unknown format "b\\u001b${'b'.repeat(113)}…" (5,002 characters); use text`);
    expect(
      shortenEchoedArguments(`error: unknown option '--${long}=x'`, ['node', `--${long}=x`]),
    ).toBe(`error: unknown option '--${'a'.repeat(118)}…' (100,004 characters)`);
  });

  it('shortens a path made of an argument as a whole', () => {
    expect(
      shortenEchoedArguments(`rampart: ENAMETOOLONG: name too long, open '${resolve(long)}'`, [
        'scan',
        '--baseline',
        long,
      ]),
    ).toBe(
      `rampart: ENAMETOOLONG: name too long, open '${resolve(long).slice(0, 120)}…' (${(resolve(long).length).toLocaleString('en-US')} characters)`,
    );
  });

  it('leaves short arguments and messages that do not repeat an argument as they are', () => {
    const short = `rampart: --file no-such.jsonl: cannot be read (ENOENT)\n`;
    expect(shortenEchoedArguments(short, ['audit', 'verify', '--file', 'no-such.jsonl'])).toBe(
      short,
    );
    expect(shortenEchoedArguments('rampart: cannot connect to Redis', argv)).toBe(
      'rampart: cannot connect to Redis',
    );
  });
});
