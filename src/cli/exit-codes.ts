/** Process exit codes of every `rampart` command. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: a database unreachable, a schema newer than the code… */
  failure: 1,
  /** The command could not run as given: bad arguments or an invalid configuration. */
  usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose exit code and message the CLI reports as-is (no stack). */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
