/** The CLI's only way to write to the terminal. */
export function printLine(text: string): void {
  process.stdout.write(`${text}\n`)
}

/** Writes text as it is, already ending in a newline. */
export function printText(text: string): void {
  process.stdout.write(text)
}

export function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2))
}

export function printError(text: string): void {
  process.stderr.write(`qpq-node: ${text}\n`)
}

/** Prints rows in aligned columns; a header row of empty strings is not printed. */
export function printTable(header: string[], rows: string[][]): void {
  const all = header.every((cell) => cell === '') ? rows : [header, ...rows]
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)))
  for (const row of all) {
    printLine(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
    )
  }
}

/** Bytes as decimal megabytes with one decimal, as `free -m` users read them. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}
