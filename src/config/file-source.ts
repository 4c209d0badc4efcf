import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ConfigProblem } from './config-problem.js';

export const defaultConfigFileNames = [
  'rampart.config.json',
  'rampart.config.yaml',
  'rampart.config.yml',
];

export interface FileSourceResult {
  path: string | undefined;
  values: Record<string, unknown>;
  problems: ConfigProblem[];
}

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

function findForbiddenKey(value: unknown, path: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    if (forbiddenKeys.has(key)) return path ? `${path}.${key}` : key;
    const found = findForbiddenKey(
      (value as Record<string, unknown>)[key],
      path ? `${path}.${key}` : key,
    );
    if (found) return found;
  }
  return undefined;
}

/**
 * Reads the config file: the explicit path if given (it must exist), else the first of
 * `rampart.config.{json,yaml,yml}` in `cwd`, else nothing.
 */
export function readFileSource(explicitPath: string | undefined, cwd: string): FileSourceResult {
  let path: string | undefined;
  if (explicitPath) {
    path = resolve(cwd, explicitPath);
    if (!existsSync(path)) {
      return {
        path,
        values: {},
        problems: [{ key: '(file)', source: path, message: 'config file does not exist' }],
      };
    }
  } else {
    path = defaultConfigFileNames.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
    if (!path) return { path: undefined, values: {}, problems: [] };
  }
  let parsed: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    const ext = extname(path).toLowerCase();
    parsed =
      ext === '.json'
        ? JSON.parse(text)
        : parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      path,
      values: {},
      problems: [{ key: '(file)', source: path, message: `cannot be parsed: ${reason}` }],
    };
  }
  if (parsed === null || parsed === undefined) return { path, values: {}, problems: [] };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      path,
      values: {},
      problems: [
        { key: '(file)', source: path, message: 'must contain an object at the top level' },
      ],
    };
  }
  const forbidden = findForbiddenKey(parsed, '');
  if (forbidden) {
    return {
      path,
      values: {},
      problems: [{ key: forbidden, source: path, message: 'is a forbidden key' }],
    };
  }
  return { path, values: parsed as Record<string, unknown>, problems: [] };
}
