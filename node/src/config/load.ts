import { readFile } from 'node:fs/promises'
import { parse, TomlError } from 'smol-toml'
import type { z } from 'zod'
import { ENV_PREFIX } from './constants.ts'
import { ConfigError, type ConfigSource } from './errors.ts'
import { dottedKey, envVariable, fileKey, optionName } from './keys.ts'
import {
  configLayerSchema,
  defaultConfig,
  nodeConfigSchema,
  type DeepPartial,
  type NodeConfig
} from './schema.ts'

export interface LoadConfigOptions {
  /**
   * Path of a TOML configuration file; a missing file is an error.
   * @default none: defaults, environment and overrides only
   */
  file?: string

  /**
   * Environment to read `QPQ_<SECTION>_<KEY>` variables from.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv

  /**
   * Values that win over every other source, typically from command-line flags. `undefined` values are
   * ignored, so unset flags can be passed as they are.
   * @default {}
   */
  overrides?: DeepPartial<NodeConfig>

  /** Aborts reading the file. */
  signal?: AbortSignal
}

/** One source's validated contribution. */
type ConfigLayer = z.output<typeof configLayerSchema>

/**
 * Loads the configuration: the defaults, then the file, then the environment, then the overrides, each
 * replacing the values the one before set (lists are replaced whole). Every source is validated on its own,
 * so an error names the file, variable or override at fault.
 *
 * @throws {ConfigError} when the file cannot be read or parsed, or a value is invalid or unknown
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<NodeConfig> {
  const layers: ConfigLayer[] = []
  if (options.file !== undefined) layers.push(await fileLayer(options.file, options.signal))
  layers.push(envLayer(options.env ?? process.env))
  if (options.overrides !== undefined) layers.push(validate(options.overrides, () => ({ kind: 'overrides' })))

  const merged: Record<string, Record<string, unknown>> = defaultConfig()
  for (const layer of layers) {
    for (const [section, values] of Object.entries<Record<string, unknown> | undefined>(layer)) {
      for (const [name, value] of Object.entries(values ?? {})) {
        if (value !== undefined) merged[section] = { ...merged[section], [name]: value }
      }
    }
  }
  // Every layer is valid on its own and keys are independent, so this only restores the type.
  return nodeConfigSchema.parse(merged)
}

async function fileLayer(path: string, signal: AbortSignal | undefined): Promise<ConfigLayer> {
  const source: ConfigSource = { kind: 'file', path }
  let text: string
  try {
    text = await readFile(path, { encoding: 'utf8', signal })
  } catch (err) {
    if (signal?.aborted === true) throw err
    throw new ConfigError(`cannot read the configuration file: ${errorMessage(err)}`, { source, cause: err })
  }

  let table: Record<string, unknown>
  try {
    table = parse(text)
  } catch (err) {
    if (!(err instanceof TomlError)) throw err
    const position = { line: err.line, column: err.column }
    const problem = err.message.replace(/^Invalid TOML document: /, '').trimEnd()
    throw new ConfigError(`invalid TOML: ${problem}`, { source: { ...source, position }, cause: err })
  }

  return validate(toOptionNames(table, [], source), () => source)
}

/** `table` with its keys, and its tables' keys, turned from file keys into option names. */
function toOptionNames(
  table: Record<string, unknown>,
  path: readonly string[],
  source: ConfigSource
): Record<string, unknown> {
  const named: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(table)) {
    const name = optionName(key)
    if (name === undefined) {
      throw new ConfigError(unknownKey(path, source), { key: [...path, key].join('.'), source })
    }
    named[name] = isTable(value) ? toOptionNames(value, [...path, name], source) : value
  }
  return named
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

function envLayer(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: Record<string, Record<string, unknown>> = {}
  const known = new Set<string>()
  for (const [section, sectionSchema] of Object.entries(nodeConfigSchema.shape)) {
    for (const [name, field] of Object.entries<z.ZodType>(sectionSchema.shape)) {
      const variable = envVariable(section, name)
      known.add(variable)
      const text = env[variable]
      if (text !== undefined) {
        const source: ConfigSource = { kind: 'env', variable }
        ;(layer[section] ??= {})[name] = envValue(field, text, dottedKey([section, name]), source)
      }
    }
  }

  // A variable under a known section's prefix is meant for this configuration: a typo must not pass silently.
  // Other QPQ_ variables (QPQ_DATA) belong to other parts of the program.
  for (const variable of Object.keys(env)) {
    if (known.has(variable)) continue
    const section = Object.keys(nodeConfigSchema.shape).find((name) =>
      variable.startsWith(`${ENV_PREFIX}${name.toUpperCase()}_`)
    )
    if (section !== undefined) {
      const key = `${section}.${variable.slice(ENV_PREFIX.length + section.length + 1).toLowerCase()}`
      const source: ConfigSource = { kind: 'env', variable }
      throw new ConfigError(unknownKey([section], source), { key, source })
    }
  }

  return validate(layer, (path) => ({ kind: 'env', variable: envVariable(String(path[0]), String(path[1])) }))
}

/** The value an environment variable's text stands for, given the option's schema; the schema checks it later. */
function envValue(field: z.ZodType, text: string, key: string, source: ConfigSource): unknown {
  switch (field.def.type) {
    case 'boolean':
      if (text === 'true' || text === '1') return true
      if (text === 'false' || text === '0') return false
      throw new ConfigError(`${JSON.stringify(text)} is not a boolean: use true, false, 1 or 0`, {
        key,
        source
      })
    case 'number':
      if (!/^-?\d+(?:\.\d+)?$/.test(text)) {
        throw new ConfigError(`${JSON.stringify(text)} is not a decimal number`, { key, source })
      }
      return Number(text)
    case 'array':
      return text === '' ? [] : text.split(',').map((item) => item.trim())
    default:
      return text
  }
}

/** `input` checked as one source's contribution; `sourceOf` tells where the value at a path came from. */
function validate(input: unknown, sourceOf: (path: readonly PropertyKey[]) => ConfigSource): ConfigLayer {
  const result = configLayerSchema.safeParse(input)
  if (result.success) return result.data
  const [issue] = result.error.issues
  if (issue === undefined) throw result.error
  if (issue.code === 'unrecognized_keys') {
    const path = [...issue.path, ...issue.keys.slice(0, 1)]
    const source = sourceOf(path)
    throw new ConfigError(unknownKey(issue.path, source), { key: dottedKey(path), source })
  }
  throw new ConfigError(issue.message, { key: dottedKey(issue.path), source: sourceOf(issue.path) })
}

/**
 * The problem with an unknown key in the table at `path`, listing the keys that table accepts as `source`
 * spells them: option names for overrides, file keys otherwise.
 */
function unknownKey(path: readonly PropertyKey[], source: ConfigSource): string {
  const names = keysOf(path)
  if (names.length === 0) return 'unknown key'
  const spell = source.kind === 'overrides' ? (name: string) => name : fileKey
  return `unknown key; expected one of ${names.map(spell).join(', ')}`
}

/** The option names the table at `path` accepts; none below a section. */
function keysOf(path: readonly PropertyKey[]): readonly string[] {
  const sections = nodeConfigSchema.shape
  if (path.length === 0) return Object.keys(sections)
  const [section] = path
  if (path.length === 1 && typeof section === 'string' && Object.hasOwn(sections, section)) {
    return Object.keys(sections[section as keyof NodeConfig].shape)
  }
  return []
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
