import { resolve } from 'node:path';
import { Value } from 'typebox/value';
import { configKeysByPath } from './config-keys.js';
import { ConfigError, type ConfigProblem } from './config-problem.js';
import { readEnvSource } from './env-source.js';
import { readFileSource } from './file-source.js';
import { checkSafety } from './production-checks.js';
import { ConfigSchema, type RampartConfig, type RawConfig } from './schema.js';

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

export interface LoadConfigOptions {
  /** Environment to read `RAMPART_*` from; default `process.env`. Pass `{}` to ignore it. */
  env?: NodeJS.ProcessEnv;
  /** Config file path (`--config`); default: `rampart.config.{json,yaml,yml}` in `cwd`, or `RAMPART_CONFIG`. */
  configPath?: string;
  /** Skip config files entirely (embedding and tests). */
  noFile?: boolean;
  cwd?: string;
  /** Highest-precedence values, for programmatic use. */
  overrides?: DeepPartial<RawConfig>;
}

export interface ConfigVerdict {
  ok: boolean;
  config: RampartConfig | undefined;
  problems: ConfigProblem[];
  warnings: string[];
  /** For each dotted path that was set: `default`, the file path, an env name or `override`. */
  sources: Map<string, string>;
  filePath: string | undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  origin: string,
  prefix: string,
  sources: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) {
      // Recurse so every leaf records where it came from.
      if (!isPlainObject(target[key])) target[key] = {};
      mergeInto(target[key] as Record<string, unknown>, value, origin, path, sources);
    } else if (value !== undefined) {
      target[key] = value;
      sources.set(path, origin);
    }
  }
}

function deletePath(target: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let node: unknown = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node)) return;
    node = node[part];
  }
  if (isPlainObject(node)) delete node[parts[parts.length - 1] as string];
}

function describeExpected(path: string): string {
  const key = configKeysByPath.get(path);
  if (key?.values) return `must be one of ${key.values.join(', ')}`;
  return '';
}

interface ObjectSchemaNode {
  type?: unknown;
  properties?: Record<string, ObjectSchemaNode>;
  additionalProperties?: unknown;
}

/**
 * Takes every key the schema does not know out of `value`, at every level of nested
 * objects, and reports each one. TypeBox stops at eight errors per pass, so with that many
 * unknown keys it would never name them all; objects inside arrays are left to it.
 */
function takeUnknownKeys(
  schema: ObjectSchemaNode,
  value: Record<string, unknown>,
  prefix: string,
  sourceOf: (path: string) => string,
  problems: ConfigProblem[],
): void {
  const properties = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (child === undefined) {
      if (schema.additionalProperties !== false) continue;
      problems.push({ key: path, source: sourceOf(path), message: 'is not a known setting' });
      delete value[key];
    } else if (child.type === 'object' && child.properties && isPlainObject(value[key])) {
      takeUnknownKeys(child, value[key], path, sourceOf, problems);
    }
  }
}

function schemaProblems(value: unknown, sourceOf: (path: string) => string): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>();
  for (const error of Value.Errors(ConfigSchema, value)) {
    const path = error.instancePath.split('/').filter(Boolean).join('.');
    if (error.keyword === 'boolean') {
      // The `false` schema of additionalProperties, at the unknown key itself. Its
      // additionalProperties summary may be past TypeBox's error limit: report it here.
      byPath.set(path, { key: path, source: sourceOf(path), message: 'is not a known setting' });
      continue;
    }
    if (error.keyword === 'additionalProperties') {
      const extra =
        (error.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const name of extra) {
        const full = path ? `${path}.${name}` : name;
        byPath.set(full, { key: full, source: sourceOf(full), message: 'is not a known setting' });
      }
      continue;
    }
    const expected = describeExpected(path);
    const message = expected || error.message;
    const existing = byPath.get(path);
    // A union reports one error per branch and then the union itself; keep one line.
    if (!existing || error.keyword === 'anyOf')
      byPath.set(path, { key: path || '(root)', source: sourceOf(path), message });
  }
  return [...byPath.values()];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function resolveDerived(raw: RawConfig, cwd: string): RampartConfig {
  const publicUrl = (raw.publicUrl ?? `http://localhost:${raw.port}`).replace(/\/+$/, '');
  const dataDir = resolve(cwd, raw.dataDir);
  return {
    ...raw,
    dataDir,
    publicUrl,
    databaseUrl: raw.databaseUrl ?? `sqlite:${resolve(dataDir, 'rampart.db')}`,
    registration: {
      ...raw.registration,
      mode: raw.registration.mode ?? (raw.env === 'development' ? 'open' : 'closed'),
    },
    jwt: {
      ...raw.jwt,
      issuer: raw.jwt.issuer ?? publicUrl,
      audience: raw.jwt.audience ?? publicUrl,
    },
  };
}

/**
 * Builds the configuration from defaults < config file < environment < overrides and
 * judges it. Never throws; see {@link loadConfig} for the throwing variant.
 */
export function checkConfig(options: LoadConfigOptions = {}): ConfigVerdict {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const sources = new Map<string, string>();
  const merged: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];

  const file = options.noFile
    ? { path: undefined, values: {}, problems: [] }
    : // An empty RAMPART_CONFIG is unset, as shells write it; an empty --config is an error.
      readFileSource(options.configPath ?? (env.RAMPART_CONFIG || undefined), cwd);
  problems.push(...file.problems);
  if (file.path) mergeInto(merged, file.values, file.path, '', sources);

  const envSource = readEnvSource(env);
  problems.push(...envSource.problems);
  warnings.push(...envSource.warnings);
  mergeInto(merged, envSource.values, 'env', '', sources);
  for (const [path, name] of envSource.setBy) sources.set(path, name);

  if (options.overrides)
    mergeInto(merged, options.overrides as Record<string, unknown>, 'override', '', sources);

  // A key set to an object (or to a YAML value that looks like one) records a source only
  // for its leaves: the key takes the source of the first of them.
  const ancestors = new Map<string, string>();
  for (const [leaf, origin] of sources) {
    const parts = leaf.split('.');
    for (let n = parts.length - 1; n > 0; n--) {
      const ancestor = parts.slice(0, n).join('.');
      if (!ancestors.has(ancestor)) ancestors.set(ancestor, origin);
    }
  }
  const sourceOf = (path: string) => sources.get(path) ?? ancestors.get(path) ?? 'default';
  // TypeBox reports at most a few errors per pass, so validate repeatedly, resetting each
  // invalid key to its default, until the rest is valid: every problem gets listed, and
  // the safety checks below still judge everything that was valid.
  const repaired = Value.Clone(merged);
  takeUnknownKeys(ConfigSchema as ObjectSchemaNode, repaired, '', sourceOf, problems);
  let candidate: unknown = Value.Default(ConfigSchema, Value.Clone(repaired));
  for (let pass = 0; pass < 20; pass++) {
    const found = schemaProblems(candidate, sourceOf).filter(
      (p) => !problems.some((q) => q.key === p.key),
    );
    if (found.length === 0) break;
    problems.push(...found);
    for (const p of found) deletePath(repaired, p.key);
    candidate = Value.Default(ConfigSchema, Value.Clone(repaired));
  }
  // The verdict is TypeBox's own, whatever the problems above managed to name.
  if (!Value.Check(ConfigSchema, candidate)) {
    if (problems.length === 0)
      problems.push({ key: '(root)', source: 'default', message: 'does not match the schema' });
    return { ok: false, config: undefined, problems, warnings, sources, filePath: file.path };
  }
  const invalidKeys = new Set(problems.map((p) => p.key));
  const config = resolveDerived(candidate as RawConfig, cwd);
  const safety = checkSafety(config, (path) =>
    invalidKeys.has(path) ? 'default' : sourceOf(path),
  );
  // A key already reported as invalid is not reported again for its default value.
  problems.push(...safety.problems.filter((p) => !invalidKeys.has(p.key)));
  warnings.push(...safety.warnings);
  if (problems.length > 0) {
    return { ok: false, config: undefined, problems, warnings, sources, filePath: file.path };
  }
  return { ok: true, config: deepFreeze(config), problems, warnings, sources, filePath: file.path };
}

/**
 * Loads and validates the configuration, then freezes it.
 *
 * @throws {ConfigError} listing every problem with its key and source.
 * @example
 * const { config, warnings } = loadConfig({ configPath: './rampart.config.yaml' });
 */
export function loadConfig(options: LoadConfigOptions = {}): {
  config: RampartConfig;
  warnings: string[];
  sources: Map<string, string>;
} {
  const verdict = checkConfig(options);
  if (!verdict.ok || !verdict.config) throw new ConfigError(verdict.problems);
  return { config: verdict.config, warnings: verdict.warnings, sources: verdict.sources };
}
