import { quoteValue } from '../shared/terminal-text.js';
import { type ConfigKey, configKeysByEnv } from './config-keys.js';
import type { ConfigProblem } from './config-problem.js';

/** Variables with this prefix belong to the test harness, not to the server. */
const ignoredPrefixes = ['RAMPART_TEST_', 'RAMPART_CONFIG'];

const decimalNumber = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

function parseValue(key: ConfigKey, raw: string): { value: unknown } | { problem: string } {
  switch (key.kind) {
    case 'integer':
    case 'number': {
      const trimmed = raw.trim();
      // Decimal only: Number() would also read 0x10, 0b1 and 0o7, which no one means.
      const n = decimalNumber.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isFinite(n)) return { problem: `must be a number, got ${quoteValue(raw)}` };
      return { value: n };
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (truthy.has(v)) return { value: true };
      if (falsy.has(v)) return { value: false };
      return { problem: `must be true or false, got ${quoteValue(raw)}` };
    }
    case 'string-array':
      return {
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
    default:
      return { value: raw };
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1] as string] = value;
}

export interface EnvSourceResult {
  values: Record<string, unknown>;
  /** Paths set from the environment, with the variable that set them. */
  setBy: Map<string, string>;
  problems: ConfigProblem[];
  warnings: string[];
}

/**
 * Reads `RAMPART_*` variables into a partial config. An unknown `RAMPART_*` name is a
 * warning (a typo would otherwise be silently ignored); a value of the wrong type is a
 * problem.
 */
export function readEnvSource(env: NodeJS.ProcessEnv): EnvSourceResult {
  const values: Record<string, unknown> = {};
  const setBy = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('RAMPART_') || raw === undefined) continue;
    if (ignoredPrefixes.some((p) => name.startsWith(p))) continue;
    const key = configKeysByEnv.get(name);
    if (!key) {
      warnings.push(`${name} is not a Rampart setting and is ignored`);
      continue;
    }
    const parsed = parseValue(key, raw);
    if ('problem' in parsed) {
      problems.push({ key: key.path, source: name, message: parsed.problem });
      continue;
    }
    setPath(values, key.path, parsed.value);
    setBy.set(key.path, name);
  }
  return { values, setBy, problems, warnings };
}
