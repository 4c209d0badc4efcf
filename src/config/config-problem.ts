/** One reason a configuration cannot be used. */
export interface ConfigProblem {
  /** Dotted config path, e.g. `jwt.algorithm`. */
  key: string;
  /** Where the offending value came from: an env variable name, the file path, or `default`. */
  source: string;
  message: string;
}

/** Thrown when a configuration is invalid; lists every problem, not just the first. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatProblems(problems)}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.key} (${p.source}): ${p.message}`).join('\n');
}
