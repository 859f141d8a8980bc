/** Markdown and number formatting for RESULTS.md. */

const MB = 1_000_000

/** A whole number with thousands separators, e.g. 12,345. */
export function whole(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
}

/** A duration in ms with one decimal below 100 ms, e.g. 4.2 ms or 1,234 ms. */
export function millis(value: number): string {
  return value < 100 ? `${value.toFixed(1)} ms` : `${whole(value)} ms`
}

/** Bytes as MB (10^6 bytes), e.g. 98.3 MB; n/a if unknown. */
export function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(1)} MB`
}

/** A markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** "yes" or "**no**", so that a missed aim stands out. */
export function met(ok: boolean | undefined): string {
  if (ok === undefined) return 'unknown'
  return ok ? 'yes' : '**no**'
}
