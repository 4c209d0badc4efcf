import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ConfigProblem } from './config-problem.js';

export const defaultConfigFileNames = [
  'rampart.config.json',
  'rampart.config.yaml',
  'rampart.config.yml',
];

/** A config file is a page of settings; anything larger is a mistake (or an attack). */
export const maxConfigFileBytes = 1024 * 1024;
/** The schema nests a few levels; deeper input would only exhaust the stack. */
export const maxConfigDepth = 32;

export interface FileSourceResult {
  path: string | undefined;
  values: Record<string, unknown>;
  problems: ConfigProblem[];
}

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

function join(path: string, key: string | number): string {
  return path ? `${path}.${key}` : String(key);
}

/**
 * The first reason the parsed file is not plain configuration data: a forbidden key, a
 * nesting deeper than {@link maxConfigDepth}, or a value YAML can produce that JSON
 * cannot (a binary, a set, a timestamp…). Iterative, so depth cannot overflow the stack.
 */
function findUnfitValue(root: unknown): { key: string; message: string } | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value: root, path: '', depth: 0 },
  ];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value, path, depth } = item;
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function')
        return { key: path || '(file)', message: 'is not a JSON value' };
      continue;
    }
    if (depth >= maxConfigDepth)
      return {
        key: path || '(file)',
        message: `is nested more than ${maxConfigDepth} levels deep`,
      };
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        pending.push({ value: v, path: join(path, i), depth: depth + 1 });
      });
      continue;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype)
      return {
        key: path || '(file)',
        message: 'is not plain data (a YAML tag such as !!binary, !!set or !!timestamp?)',
      };
    for (const [key, v] of Object.entries(value)) {
      if (forbiddenKeys.has(key)) return { key: join(path, key), message: 'is a forbidden key' };
      pending.push({ value: v, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

/** Parses the file's text; any error, and any YAML warning, refuses the file. */
function parseText(text: string, json: boolean): unknown {
  if (json) {
    const value: unknown = JSON.parse(text);
    // JSON.parse keeps the last of two equal keys and drops the first without a word;
    // read as YAML (which JSON is), the same text names the duplicate.
    const duplicate = parseDocument(text, { uniqueKeys: true }).errors.find(
      (e) => e.code === 'DUPLICATE_KEY',
    );
    if (duplicate) throw duplicate;
    return value;
  }
  // An unknown tag is only a warning to YAML, which would print it on stderr and carry
  // on with a string the operator did not write.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const issue = doc.errors[0] ?? doc.warnings[0];
  if (issue) throw issue;
  return doc.toJS({ maxAliasCount: 100 });
}

function fileProblem(path: string, message: string): FileSourceResult {
  return { path, values: {}, problems: [{ key: '(file)', source: path, message }] };
}

/**
 * Reads the config file: the explicit path if given (it must exist), else the first of
 * `rampart.config.{json,yaml,yml}` in `cwd`, else nothing.
 */
export function readFileSource(explicitPath: string | undefined, cwd: string): FileSourceResult {
  let path: string | undefined;
  if (explicitPath === '') return fileProblem('--config', 'the config file path is empty');
  if (explicitPath) {
    path = resolve(cwd, explicitPath);
    if (!existsSync(path)) return fileProblem(path, 'config file does not exist');
  } else {
    path = defaultConfigFileNames.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
    if (!path) return { path: undefined, values: {}, problems: [] };
  }
  let parsed: unknown;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return fileProblem(path, 'is not a file (a directory?)');
    if (stat.size > maxConfigFileBytes)
      return fileProblem(path, `is larger than ${maxConfigFileBytes / 1024 / 1024} MiB`);
    const text = readFileSync(path, 'utf8');
    parsed = parseText(text, extname(path).toLowerCase() === '.json');
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // The YAML parser recurses once per level of nesting.
    if (reason?.includes('Maximum call stack size exceeded'))
      return fileProblem(path, 'cannot be parsed: it is nested too deeply');
    return fileProblem(path, `cannot be parsed: ${reason}`);
  }
  if (parsed === null || parsed === undefined) return { path, values: {}, problems: [] };
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    return fileProblem(path, 'must contain an object at the top level');
  const unfit = findUnfitValue(parsed);
  if (unfit) {
    return {
      path,
      values: {},
      problems: [{ key: unfit.key, source: path, message: unfit.message }],
    };
  }
  return { path, values: parsed as Record<string, unknown>, problems: [] };
}
