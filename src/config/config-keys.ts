import { ConfigSchema } from './schema.js';

/** One leaf setting of the config schema, with the environment variable that sets it. */
export interface ConfigKey {
  /** Dotted path in the config file, e.g. `jwt.accessTokenTtl`. */
  path: string;
  /** `RAMPART_JWT_ACCESS_TOKEN_TTL`. */
  env: string;
  kind: 'string' | 'integer' | 'number' | 'boolean' | 'string-array';
  description: string;
  default: unknown;
  /** Allowed values when the setting is an enumeration. */
  values?: string[];
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  const?: unknown;
  items?: SchemaNode;
  description?: string;
  default?: unknown;
}

function envName(path: string[]): string {
  return `RAMPART_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

function kindOf(node: SchemaNode): ConfigKey['kind'] {
  if (node.anyOf) return 'string';
  if (node.type === 'array') return 'string-array';
  if (node.type === 'integer' || node.type === 'number' || node.type === 'boolean')
    return node.type;
  return 'string';
}

function walk(node: SchemaNode, path: string[], out: ConfigKey[]): void {
  if (node.type === 'object' && node.properties) {
    for (const [name, child] of Object.entries(node.properties)) walk(child, [...path, name], out);
    return;
  }
  const key: ConfigKey = {
    path: path.join('.'),
    env: envName(path),
    kind: kindOf(node),
    description: node.description ?? '',
    default: node.default,
  };
  const values = node.anyOf?.map((n) => n.const).filter((v): v is string => typeof v === 'string');
  if (values && values.length > 0) key.values = values;
  out.push(key);
}

function collectKeys(): readonly ConfigKey[] {
  const out: ConfigKey[] = [];
  walk(ConfigSchema as unknown as SchemaNode, [], out);
  return Object.freeze(out);
}

/** Every setting Rampart knows, in schema order. */
export const configKeys: readonly ConfigKey[] = collectKeys();

export const configKeysByEnv: ReadonlyMap<string, ConfigKey> = new Map(
  configKeys.map((k) => [k.env, k]),
);
export const configKeysByPath: ReadonlyMap<string, ConfigKey> = new Map(
  configKeys.map((k) => [k.path, k]),
);
