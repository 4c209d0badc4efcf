import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { findingFingerprint, type SecretFinding } from './core/finding.js';
import type { IgnorePatterns } from './core/ignore-patterns.js';
import type { SecretMatcher } from './core/secret-matcher.js';
import { ChunkedTextScanner, emptyStats, looksBinary, type ScanStats } from './file-scanner.js';

const run = promisify(execFile);

/** A git command failed (not a repository, git missing); the CLI reports it as a usage error. */
export class GitScanError extends Error {
  override readonly name = 'GitScanError';
}

async function git(cwd: string, args: string[], maxBuffer = 64 * 1024 * 1024): Promise<Buffer> {
  try {
    const { stdout } = await run('git', args, { cwd, encoding: 'buffer', maxBuffer });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new GitScanError(stderr || (error as Error).message);
  }
}

/**
 * Scans what is about to be committed: the blobs of the git index for every added,
 * copied, modified or renamed file (`git diff --cached`), not the working tree, so a
 * secret removed from the file but still staged is caught. Paths are repository-relative.
 */
export async function scanStaged(
  matcher: SecretMatcher,
  options: { cwd: string; ignore: IgnorePatterns; maxFileBytes: number },
): Promise<{ findings: SecretFinding[]; stats: ScanStats }> {
  const stats = emptyStats();
  const names = (
    await git(options.cwd, [
      'diff',
      '--cached',
      '--name-only',
      '-z',
      '--diff-filter=ACMR',
      '--no-renames',
    ])
  )
    .toString('utf8')
    .split('\0')
    .filter((n) => n.length > 0);
  const top = (await git(options.cwd, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
  const findings: SecretFinding[] = [];
  for (const name of names) {
    if (options.ignore.ignores(name)) {
      stats.ignored++;
      continue;
    }
    const size = Number((await git(top, ['cat-file', '-s', `:${name}`])).toString('utf8').trim());
    if (size > options.maxFileBytes) {
      stats.skippedLarge++;
      continue;
    }
    const blob = await git(top, ['cat-file', 'blob', `:${name}`], options.maxFileBytes + 1024);
    if (looksBinary(blob)) {
      stats.skippedBinary++;
      continue;
    }
    stats.files++;
    stats.bytes += blob.length;
    const scanner = new ChunkedTextScanner(matcher, name);
    scanner.push(blob.toString('utf8'), true);
    findings.push(...scanner.findings());
  }
  return { findings, stats };
}

/** Lines added to one file by one commit, with their line numbers in that commit's version. */
class AddedLines {
  readonly text: string[] = [];
  readonly lines: number[] = [];
  bytes = 0;
  readonly commit: string;
  readonly file: string;
  constructor(commit: string, file: string) {
    this.commit = commit;
    this.file = file;
  }
}

/**
 * Scans history: every line any commit added (`git log -p`, streamed, so a long history
 * is never held in memory). A secret deleted later is still in the history and still a
 * leak; each finding names the commit that added it.
 */
export async function scanHistory(
  matcher: SecretMatcher,
  options: { cwd: string; ignore: IgnorePatterns; revisions?: string[] },
): Promise<{ findings: SecretFinding[]; stats: ScanStats }> {
  const stats = emptyStats();
  const findings: SecretFinding[] = [];
  await git(options.cwd, ['rev-parse', '--git-dir']);
  const child = spawn(
    'git',
    [
      'log',
      '-p',
      '--no-color',
      '--no-ext-diff',
      '--unified=0',
      '--no-renames',
      '--format=commit:%H',
      ...(options.revisions ?? ['--all']),
    ],
    { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const exited = once(child, 'close');

  let commit = '';
  let block: AddedLines | undefined;
  let nextLine = 0;
  let inHunk = false;
  const flush = () => {
    if (!block || block.text.length === 0) return;
    const b = block;
    const scanner = matcher.scan(b.text.join('\n'));
    stats.bytes += b.bytes;
    for (const f of scanner) {
      findings.push({
        ruleId: f.ruleId,
        file: b.file,
        line: b.lines[f.line - 1] ?? f.line,
        column: f.column,
        secret: f.secret,
        entropy: f.entropy,
        commit: b.commit,
        fingerprint: findingFingerprint(f.ruleId, b.file, f.secret),
      });
    }
    block = new AddedLines(b.commit, b.file);
  };

  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    if (line.startsWith('commit:')) {
      flush();
      block = undefined;
      inHunk = false;
      commit = line.slice('commit:'.length);
      stats.files++;
    } else if (line.startsWith('diff --git ')) {
      flush();
      block = undefined;
      inHunk = false;
    } else if (!inHunk && line.startsWith('+++ ')) {
      const path = line.slice(4);
      const file = path.startsWith('b/') ? path.slice(2) : path;
      block =
        path === '/dev/null' || options.ignore.ignores(file)
          ? undefined
          : new AddedLines(commit, file);
    } else if (line.startsWith('@@ ')) {
      inHunk = true;
      nextLine = Number(/\+(\d+)/.exec(line)?.[1] ?? '1');
    } else if (inHunk && line.startsWith('+')) {
      if (block) {
        block.text.push(line.slice(1));
        block.lines.push(nextLine);
        block.bytes += line.length;
        if (block.bytes > 4 * 1024 * 1024) flush();
      }
      nextLine++;
    } else if (line.startsWith('Binary files ')) {
      stats.skippedBinary++;
    }
  }
  flush();
  const [code] = await exited;
  if (code !== 0) throw new GitScanError(stderr.trim() || `git log exited with ${String(code)}`);
  return { findings, stats };
}
