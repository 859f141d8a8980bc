export { ConfigError, type ConfigSource } from './errors.ts'
export { loadConfig, type LoadConfigOptions } from './load.ts'
export { defaultConfig, type DeepPartial, type NodeConfig } from './schema.ts'
