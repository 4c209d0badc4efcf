import { checkConfig, formatProblems } from '../config/index.js';
import type { RampartConfig } from '../config/schema.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface GlobalOptions {
  config?: string;
}

/** Loads the configuration for a command, or stops it with every problem listed (exit 2). */
export function loadCliConfig(options: GlobalOptions): {
  config: RampartConfig;
  warnings: string[];
} {
  const verdict = checkConfig(options.config !== undefined ? { configPath: options.config } : {});
  if (!verdict.ok || !verdict.config) {
    const n = verdict.problems.length;
    throw new CliError(
      `Configuration is invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatProblems(verdict.problems)}`,
      ExitCode.usage,
    );
  }
  return { config: verdict.config, warnings: verdict.warnings };
}
