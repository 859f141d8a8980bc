// The one place where the spellings of an option meet: TypeScript names are camel case
// (`network.mdnsInterval`), file keys are snake case (`network.mdns_interval`), and environment variables
// are `QPQ_<SECTION>_<KEY>` in upper case (`QPQ_NETWORK_MDNS_INTERVAL`).

import { ENV_PREFIX } from './constants.ts'

/** Lower-case words joined by single underscores, each starting with a letter: the keys `fileKey` can return. */
const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*$/

/** The file spelling of an option name: `mdnsInterval` → `mdns_interval`. */
export function fileKey(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/**
 * The option name a file key spells: `mdns_interval` → `mdnsInterval`. `undefined` when the key is not in
 * snake case (`mdnsInterval`, `Mdns`), so no option can be reached by two spellings.
 */
export function optionName(key: string): string | undefined {
  if (!SNAKE_CASE.test(key)) return undefined
  return key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())
}

/** The environment variable of an option: (`network`, `mdnsInterval`) → `QPQ_NETWORK_MDNS_INTERVAL`. */
export function envVariable(section: string, name: string): string {
  return `${ENV_PREFIX}${section}_${fileKey(name)}`.toUpperCase()
}

/** A path into the configuration as a dotted file key: `['network', 'mdnsInterval']` → `network.mdns_interval`, `['network', 'listen', 1]` → `network.listen[1]`. */
export function dottedKey(path: readonly PropertyKey[]): string {
  let key = ''
  for (const segment of path) {
    if (typeof segment === 'number') key += `[${segment}]`
    else key += `${key === '' ? '' : '.'}${fileKey(String(segment))}`
  }
  return key
}
