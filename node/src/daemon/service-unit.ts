/** The `Environment=KEY=value` settings of a systemd unit file's text. */
export function serviceUnitEnvironment(unit: string): Record<string, string> {
  return Object.fromEntries(
    [...unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)].map(([, key = '', value = '']) => [
      key,
      value
    ])
  )
}

/** The value of a `Key=value` setting of a systemd unit file's text, as written; `undefined` when it has none. */
export function serviceUnitSetting(unit: string, key: string): string | undefined {
  return new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1]
}
