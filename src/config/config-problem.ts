import { quoteValue, terminalText } from '../shared/terminal-text.js';

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

/** Problems listed in a message; a file with thousands of bad entries names the first. */
const maxListedProblems = 50;

/**
 * The problems, one line each. Keys, sources and messages quote the config file, its
 * path and RAMPART_* variables, so control and bidi characters are escaped here (a line
 * break too: one problem, one line), for every printer of a configuration error. A key
 * or a path of thousands of characters (an unknown key, `--config` given a pasted text)
 * is shortened like a quoted value.
 */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.slice(0, maxListedProblems).map((p) => {
    const key = quoteValue(p.key, { quote: '' });
    const source = quoteValue(p.source, { quote: '' });
    return terminalText(`  - ${key} (${source}): ${p.message}`);
  });
  const more = problems.length - maxListedProblems;
  if (more > 0) lines.push(`  … and ${more} more`);
  return lines.join('\n');
}
