import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { quoteValue } from '../shared/terminal-text.js';
import { CliError, ExitCode } from './exit-codes.js';
import { httpUrlOption } from './http-url-option.js';
import { writeErr, writeOut } from './terminal-output.js';

interface ScanOptions {
  format: string;
  output?: string;
  baseline?: string;
  updateBaseline?: boolean;
  staged?: boolean;
  git?: boolean;
  maxFileSize: string;
  jobs: string;
  verify?: boolean;
  revoke?: boolean;
  server?: string;
  token?: string;
}

const usage = (message: string) => new CliError(message, ExitCode.usage);

/** Quotes a path for the hook's /bin/sh line. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * `rampart scan [paths…]`: finds secrets in files, the git index (`--staged`) or the
 * history (`--git`). Exit 1 when a finding is not in the baseline, 0 when none, 2 on a
 * usage error. Secrets are redacted in every format.
 */
export function registerScanCommand(program: Command): void {
  const scan = program
    .command('scan')
    .description('Find secrets (API keys, tokens, private keys, passwords) in files or git')
    .argument('[paths...]', 'files and folders to scan (default: the working directory)')
    .option('-f, --format <format>', 'text, json or sarif', 'text')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--baseline <file>', 'findings recorded here are accepted (stay quiet)')
    .option('--update-baseline', 'record every current finding in --baseline and exit 0')
    .option('--staged', 'scan the files staged for commit (the git index), for a pre-commit hook')
    .option('--git', 'scan every line added in the git history (all refs)')
    .option('--max-file-size <bytes>', 'skip files larger than this', String(25 * 1024 * 1024))
    .option(
      '-j, --jobs <n>',
      'worker threads for large trees (default: the number of CPUs)',
      String(availableParallelism()),
    )
    .option('--verify', 'ask a Rampart server whether each Rampart key found is active')
    .option('--revoke', 'revoke every active Rampart key found (implies --verify)')
    .option('--server <url>', 'the Rampart server for --verify / --revoke', httpUrlOption)
    .option('--token <token>', 'an administrator access token (or RAMPART_ADMIN_TOKEN)')
    .action(async (paths: string[], options: ScanOptions) => {
      const { scanFormats } = await import('../dataprotect/scanner/scan-report.js');
      if (!(scanFormats as readonly string[]).includes(options.format))
        throw usage(`unknown format ${quoteValue(options.format)}; use text, json or sarif`);
      const maxFileBytes = Number(options.maxFileSize);
      if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1)
        throw usage('--max-file-size must be a positive number of bytes');
      const workers = Number(options.jobs);
      if (!Number.isSafeInteger(workers) || workers < 1 || workers > 64)
        throw usage('--jobs must be a whole number from 1 to 64');
      if (options.staged && options.git) throw usage('--staged and --git exclude each other');
      if ((options.staged || options.git) && paths.length > 0)
        throw usage('paths cannot be given with --staged or --git');
      if (options.updateBaseline && !options.baseline)
        throw usage('--update-baseline needs --baseline <file>');
      const verify = options.verify === true || options.revoke === true;
      const token = options.token ?? process.env.RAMPART_ADMIN_TOKEN;
      if (verify && (!options.server || !token))
        throw usage(
          '--verify and --revoke need --server <url> and --token (or RAMPART_ADMIN_TOKEN)',
        );
      const cwd = process.cwd();
      if (options.baseline) {
        const baseline = resolve(cwd, options.baseline);
        if (existsSync(baseline) && !statSync(baseline).isFile())
          throw usage(`--baseline ${quoteValue(options.baseline)}: is not a file`);
      }
      for (const p of paths)
        if (!existsSync(resolve(cwd, p))) throw usage(`no such file or folder: ${p}`);

      const { runScan } = await import('../dataprotect/scanner/run-scan.js');
      const { formatScanReport } = await import('../dataprotect/scanner/scan-report.js');
      const { GitScanError } = await import('../dataprotect/scanner/git-scanner.js');
      const { BaselineError } = await import('../dataprotect/scanner/baseline.js');
      let outcome: Awaited<ReturnType<typeof runScan>>;
      try {
        outcome = await runScan({
          cwd,
          paths: paths.length > 0 ? paths : ['.'],
          mode: options.staged ? 'staged' : options.git ? 'history' : 'files',
          maxFileBytes,
          workers,
          ...(options.baseline ? { baseline: resolve(cwd, options.baseline) } : {}),
          updateBaseline: options.updateBaseline === true,
          ...(verify && options.server && token
            ? { server: { url: options.server, token, revoke: options.revoke === true } }
            : {}),
        });
      } catch (error) {
        if (error instanceof GitScanError) throw usage(`git: ${error.message}`);
        if (error instanceof BaselineError) throw usage(error.message);
        throw error;
      }
      const report = formatScanReport(outcome, options.format as 'text' | 'json' | 'sarif');
      if (options.output) {
        try {
          await writeFile(resolve(cwd, options.output), report);
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'unwritable';
          throw usage(`--output ${quoteValue(options.output)}: cannot be written (${code})`);
        }
      } else writeOut(report);
      if (options.updateBaseline) {
        writeErr(`baseline ${quoteValue(options.baseline ?? '')} updated\n`);
        return;
      }
      if (outcome.fresh.length > 0) process.exitCode = ExitCode.failure;
    });

  scan
    .command('install-hook')
    .description('Install a git pre-commit hook that runs rampart scan --staged')
    .option('--force', 'replace a pre-commit hook that rampart did not install')
    .action(async (options: { force?: boolean }) => {
      const { installPreCommitHook } = await import('../dataprotect/scanner/install-hook.js');
      const { GitScanError } = await import('../dataprotect/scanner/git-scanner.js');
      const bin = process.argv[1];
      const command = bin
        ? `${shellQuote(process.execPath)} ${shellQuote(resolve(bin))}`
        : 'rampart';
      try {
        const result = await installPreCommitHook({
          cwd: process.cwd(),
          command,
          force: options.force === true,
        });
        if (!result.installed)
          throw new CliError(
            `${quoteValue(result.path)} exists and was not installed by rampart; use --force to replace it`,
            ExitCode.failure,
          );
        writeOut(`installed ${result.path}\n`);
      } catch (error) {
        if (error instanceof GitScanError) throw usage(`git: ${error.message}`);
        throw error;
      }
    });
}
