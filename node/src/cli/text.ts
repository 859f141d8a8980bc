import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { TextInputError, TextTooLongError } from './errors.ts'

/** The text argument that means "read the text from standard input". */
export const FROM_STDIN = '-'

/** Where `send` and `group send` take their text: the argument itself, standard input (`-`), or a file. */
export interface TextSource {
  text?: string
  file?: string
}

/**
 * The text to send, refused with one line if it is over `maxBytes` bytes of UTF-8 (checked before the
 * whole text is read: a file by its size, standard input as it comes) or is not valid UTF-8.
 */
export async function readText(
  source: TextSource,
  maxBytes: number,
  stdin: Readable = process.stdin
): Promise<string> {
  if (source.file !== undefined) return decode(await readFile(source.file, maxBytes), `--file ${source.file}`)
  const text = source.text ?? ''
  if (text === FROM_STDIN) return decode(await readStream(stdin, maxBytes), 'standard input')
  const bytes = Buffer.byteLength(text)
  if (bytes > maxBytes) throw tooLong(`${bytes} bytes`, maxBytes)
  return text
}

async function readFile(path: string, maxBytes: number): Promise<Uint8Array> {
  let file
  try {
    file = await open(path)
  } catch (err) {
    throw new TextInputError(`cannot read --file ${path}: ${(err as Error).message}`)
  }
  try {
    const { size } = await file.stat()
    if (size > maxBytes) throw tooLong(`${size} bytes`, maxBytes)
    // Read through the stream, limited again: the file may have grown since its size was taken.
    return await readStream(file.createReadStream({ autoClose: false }), maxBytes)
  } finally {
    await file.close()
  }
}

/** A stream's bytes, reading no further than one chunk past `maxBytes`. */
async function readStream(stream: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) throw tooLong(`more than ${maxBytes} bytes`, maxBytes)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function decode(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TextInputError(`${where} is not valid UTF-8 text`)
  }
}

function tooLong(size: string, maxBytes: number): TextTooLongError {
  return new TextTooLongError(`the text is too long (${size}): envelope.max_payload_bytes allows ${maxBytes}`)
}
