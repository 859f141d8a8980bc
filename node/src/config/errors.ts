import { QpqError } from '../qpq-error.ts'

/** Where a configuration value came from. */
export type ConfigSource =
  | {
      readonly kind: 'file'
      readonly path: string
      /** Position of a TOML syntax error, 1-based. */
      readonly position?: { readonly line: number; readonly column: number }
    }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'overrides' }

/** Where a message about `key` from `source` starts: `node.toml: network.mdns`, `QPQ_NETWORK_MDNS (network.mdns)`. */
function where(source: ConfigSource, key: string | undefined): string {
  switch (source.kind) {
    case 'file': {
      const file =
        source.position === undefined
          ? source.path
          : `${source.path}:${source.position.line}:${source.position.column}`
      return key === undefined ? file : `${file}: ${key}`
    }
    case 'env':
      return key === undefined ? source.variable : `${source.variable} (${key})`
    case 'overrides':
      return key === undefined ? 'override' : `override ${key}`
  }
}

/**
 * A configuration that cannot be read or is not valid. The message starts with the source and the key. The
 * config layer's one error, and so its base too.
 */
export class ConfigError extends QpqError {
  static override readonly code = 'E_CONFIG_INVALID'

  /**
   * The offending key, dotted and spelled as in a file: `network.listen[1]`, `envelope.hop_limit`.
   * `undefined` when no single key is at fault (an unreadable file, a TOML syntax error).
   */
  readonly key: string | undefined

  /** Where the offending value came from. */
  readonly source: ConfigSource

  constructor(problem: string, init: { key?: string; source: ConfigSource; cause?: unknown }) {
    super(
      `${where(init.source, init.key)}: ${problem}`,
      init.cause === undefined ? undefined : { cause: init.cause }
    )
    this.key = init.key
    this.source = init.source
  }
}
