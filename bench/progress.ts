/** Shortest gap between two progress updates on a terminal, in ms. */
const TTY_INTERVAL_MS = 100

/** Shortest gap between two progress lines when stdout is not a terminal (a log, CI), in ms. */
const PLAIN_INTERVAL_MS = 5_000

/**
 * Progress on the terminal: on a TTY one line rewritten in place with `\r`, otherwise plain lines at most
 * every few seconds.
 */
export class Progress {
  private lastUpdate = 0
  private lineOpen = false

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  /** Starts a new step of a benchmark; always printed on a line of its own. */
  step(text: string): void {
    this.endLine()
    this.out.write(`${text}\n`)
    this.lastUpdate = 0
  }

  /** Reports how far the current step is, throttled. */
  update(text: string): void {
    const now = Date.now()
    if (now - this.lastUpdate < (this.out.isTTY ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return
    this.lastUpdate = now
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K  ${text}`)
      this.lineOpen = true
    } else {
      this.out.write(`  ${text}\n`)
    }
  }

  /** Closes the line being rewritten, if any, so that other output starts on a fresh line. */
  endLine(): void {
    if (!this.lineOpen) return
    this.out.write('\n')
    this.lineOpen = false
  }
}
