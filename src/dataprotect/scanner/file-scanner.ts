import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { findingFingerprint, type SecretFinding } from './core/finding.js';
import { type IgnorePatterns, parseIgnorePatterns } from './core/ignore-patterns.js';
import type { SecretMatcher } from './core/secret-matcher.js';

/** Folders never entered: version-control internals and installed dependencies. */
export const alwaysSkippedFolders = new Set(['.git', 'node_modules']);
export const defaultMaxFileBytes = 25 * 1024 * 1024;
/** Files are read in chunks of this size; a chunk ends at a line end. */
const chunkBytes = 4 * 1024 * 1024;
/** A PEM block may span chunks; at most this much is carried into the next one. */
const multiLineCarry = 20_000;

export interface ScanStats {
  files: number;
  bytes: number;
  skippedBinary: number;
  skippedLarge: number;
  ignored: number;
}

export function emptyStats(): ScanStats {
  return { files: 0, bytes: 0, skippedBinary: 0, skippedLarge: 0, ignored: 0 };
}

/** A NUL byte in the first 8 KiB marks a file as binary, as git and grep decide. */
export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, 8192).includes(0);
}

/**
 * Scans a text that arrives in pieces (a file stream): each piece is cut at its last
 * line end, and a PEM block begun near the cut is carried whole into the next piece, so
 * memory stays bounded while no secret is split.
 */
export class ChunkedTextScanner {
  #carry = '';
  #line = 0;
  readonly #findings: SecretFinding[] = [];
  readonly #matcher: SecretMatcher;
  readonly #file: string;
  readonly #latin1: boolean;

  /** `latin1`: pieces are bytes decoded as latin1 (see ScanTextOptions). */
  constructor(matcher: SecretMatcher, file: string, options: { latin1?: boolean } = {}) {
    this.#matcher = matcher;
    this.#file = file;
    this.#latin1 = options.latin1 === true;
  }

  push(piece: string, last: boolean): void {
    const text = this.#carry + piece;
    let cut = text.length;
    if (!last) {
      const nl = text.lastIndexOf('\n');
      // A single line longer than a chunk (minified code) is scanned in pieces.
      cut = nl === -1 ? text.length : nl + 1;
      const begin = text.lastIndexOf('-----BEGIN', cut);
      const end = begin === -1 ? -1 : text.indexOf('-----END', begin);
      if (begin !== -1 && cut - begin < multiLineCarry && (end === -1 || end >= cut)) {
        const beginLine = text.lastIndexOf('\n', begin) + 1;
        if (beginLine > 0) cut = beginLine;
      }
    }
    const part = cut === text.length ? text : text.slice(0, cut);
    this.#carry = cut === text.length ? '' : text.slice(cut);
    for (const f of this.#matcher.scan(part, { latin1: this.#latin1 })) {
      this.#findings.push({
        ruleId: f.ruleId,
        file: this.#file,
        line: this.#line + f.line,
        column: f.column,
        secret: f.secret,
        entropy: f.entropy,
        fingerprint: findingFingerprint(f.ruleId, this.#file, f.secret),
      });
    }
    if (!last)
      for (let i = part.indexOf('\n'); i !== -1; i = part.indexOf('\n', i + 1)) this.#line++;
  }

  findings(): SecretFinding[] {
    return this.#findings;
  }
}

/** Scans one file, streaming it in chunks; undefined when skipped (binary). */
export async function scanFile(
  matcher: SecretMatcher,
  absolute: string,
  display: string,
  size: number,
): Promise<SecretFinding[] | undefined> {
  if (size <= chunkBytes) {
    // Synchronous, straight into the matcher's memory: no buffer and no string per file,
    // and no thread-pool round trips (the scan that follows is synchronous anyway). Like
    // readFileSync, it reads the size the file had when listed, with no extra read for EOF.
    const input = matcher.input(size);
    let length = 0;
    const fd = openSync(absolute, 'r');
    try {
      for (let n = 1; n > 0 && length < size; length += n)
        n = readSync(fd, input, length, size - length, null);
    } finally {
      closeSync(fd);
    }
    if (looksBinary(input.subarray(0, length))) return undefined;
    return matcher.scanInput(length).map((f) => ({
      ruleId: f.ruleId,
      file: display,
      line: f.line,
      column: f.column,
      secret: f.secret,
      entropy: f.entropy,
      fingerprint: findingFingerprint(f.ruleId, display, f.secret),
    }));
  }
  const scanner = new ChunkedTextScanner(matcher, display, { latin1: true });
  const decoder = new StringDecoder('latin1');
  let first = true;
  for await (const chunk of createReadStream(absolute, { highWaterMark: chunkBytes })) {
    const buf = chunk as Buffer;
    if (first && looksBinary(buf)) return undefined;
    first = false;
    scanner.push(decoder.write(buf), false);
  }
  scanner.push(decoder.end(), true);
  return scanner.findings();
}

export interface WalkOptions {
  root: string;
  ignore: IgnorePatterns;
  maxFileBytes: number;
  stats: ScanStats;
}

/** The files under `paths` that are not ignored, as [absolute path, display path, size]. */
export async function* walkFiles(
  paths: readonly string[],
  options: WalkOptions,
): AsyncGenerator<[string, string, number]> {
  const toDisplay = (abs: string) => relative(options.root, abs).split(sep).join('/') || '.';
  async function* visit(abs: string): AsyncGenerator<[string, string, number]> {
    const info = await lstat(abs);
    const display = toDisplay(abs);
    if (info.isSymbolicLink()) return;
    if (info.isDirectory()) {
      const name = abs.split(sep).pop() ?? '';
      if (alwaysSkippedFolders.has(name)) return;
      if (display !== '.' && !display.startsWith('..') && options.ignore.ignores(display, true)) {
        options.stats.ignored++;
        return;
      }
      const entries = await readdir(abs);
      entries.sort();
      for (const entry of entries) yield* visit(join(abs, entry));
      return;
    }
    if (!info.isFile()) return;
    if (!display.startsWith('..') && options.ignore.ignores(display)) {
      options.stats.ignored++;
      return;
    }
    if (info.size > options.maxFileBytes) {
      options.stats.skippedLarge++;
      return;
    }
    yield [abs, display, info.size];
  }
  for (const p of paths) yield* visit(resolve(options.root, p));
}

/** The `.rampartignore` of `root`, or nothing ignored when it has none. */
export async function loadIgnoreFile(root: string): Promise<IgnorePatterns> {
  try {
    return parseIgnorePatterns(await readFile(join(root, '.rampartignore'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseIgnorePatterns('');
    throw error;
  }
}

/** Below this many bytes a tree is scanned on the main thread: starting workers costs more. */
const parallelThreshold = 16 * 1024 * 1024;

/**
 * Scans files and folders under `root`; findings in path order. With `workers` > 1 and
 * a large enough tree, files are scanned on that many worker threads.
 */
export async function scanPaths(
  matcher: SecretMatcher,
  paths: readonly string[],
  options: { root: string; maxFileBytes?: number; ignore?: IgnorePatterns; workers?: number },
): Promise<{ findings: SecretFinding[]; stats: ScanStats }> {
  const stats = emptyStats();
  const ignore = options.ignore ?? (await loadIgnoreFile(options.root));
  const files: [string, string, number][] = [];
  for await (const file of walkFiles(paths, {
    root: options.root,
    ignore,
    maxFileBytes: options.maxFileBytes ?? defaultMaxFileBytes,
    stats,
  }))
    files.push(file);
  const total = files.reduce((sum, f) => sum + f[2], 0);
  if ((options.workers ?? 1) > 1 && total >= parallelThreshold) {
    const { scanFilesInParallel } = await import('./parallel-scan.js');
    return { findings: await scanFilesInParallel(files, options.workers ?? 1, stats), stats };
  }
  const findings: SecretFinding[] = [];
  for (const [abs, display, size] of files) {
    const found = await scanFile(matcher, abs, display, size);
    if (found === undefined) {
      stats.skippedBinary++;
      continue;
    }
    stats.files++;
    stats.bytes += size;
    findings.push(...found);
  }
  return { findings, stats };
}
