/** The `Environment=KEY=value` settings of a systemd unit file's text. */
export function serviceUnitEnvironment(unit: string): Record<string, string> {
  return Object.fromEntries(
    [...unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].map(([, key = '', value = '']) => [
      key,
      value
    ])
  )
}
