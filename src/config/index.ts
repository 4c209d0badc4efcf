export { type ConfigKey, configKeys } from './config-keys.js';
export { ConfigError, type ConfigProblem, formatProblems } from './config-problem.js';
export {
  type ConfigVerdict,
  checkConfig,
  type DeepPartial,
  type LoadConfigOptions,
  loadConfig,
} from './load-config.js';
export {
  ConfigSchema,
  type RampartConfig,
  type RawConfig,
  type RoleName,
  roleNames,
} from './schema.js';
