import { addAbortSignal, Readable } from 'node:stream';
import { headerOf, type HeaderBag } from './headers.js';

/** The bytes of a body held in memory (a string as UTF-8, a Buffer, a typed array); undefined for anything else. */
export function bytesOf(data: unknown): Buffer | undefined {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return undefined;
}

/** Whether a body is a stream (read with {@link readBody} before it can be signed). */
export function isStreamBody(data: unknown): boolean {
  return data instanceof Readable || isAsyncIterable(data);
}

/**
 * The bytes of a body: a string (UTF-8), a Buffer, a typed array or a readable stream (async iterable),
 * read up to `limit` bytes (-1: no limit). Past the limit the read stops (a stream is destroyed there) and
 * `tooLarge` is thrown; a `signal` destroys a stream being read.
 */
export async function readBody(data: unknown, options: { limit?: number; tooLarge?: (size: number) => Error; signal?: AbortSignal } = {}): Promise<Buffer> {
  const { limit = -1, signal } = options;
  const tooLarge = options.tooLarge ?? ((size: number) => new RangeError(`The body exceeds ${limit} bytes (${size} read)`));
  const inMemory = bytesOf(data);
  if (inMemory) {
    if (limit >= 0 && inMemory.length > limit) throw tooLarge(inMemory.length);
    return inMemory;
  }
  if (isStreamBody(data)) {
    if (signal && data instanceof Readable) addAbortSignal(signal, data);
    const chunks: Buffer[] = [];
    let size = 0;
    // Leaving the loop early (the limit, an error) destroys the stream: nothing more is read.
    for await (const chunk of data as AsyncIterable<unknown>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : bytesOf(chunk);
      if (!bytes) throw new TypeError('A body stream must yield strings or bytes');
      size += bytes.length;
      if (limit >= 0 && size > limit) throw tooLarge(size);
      chunks.push(bytes);
    }
    return Buffer.concat(chunks, size);
  }
  throw new TypeError(`A body must be a string, Buffer, Uint8Array or readable stream, got ${typeof data}`);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A verified answer's body as data: JSON parsed, text as a string, anything else (files) as a Buffer; empty is undefined. */
export function parseBody(raw: Buffer, headers: HeaderBag): unknown {
  if (raw.length === 0) return undefined;
  const type = (headerOf(headers, 'Content-Type') ?? '').toLowerCase();
  if (type.includes('json') || (type === '' && /^\s*[{[]/.test(raw.toString('utf8')))) {
    const text = raw.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (type === '' || type.startsWith('text/') || type.includes('xml') || type.includes('csv')) return raw.toString('utf8');
  return raw;
}

/** The first `bytes` bytes of a stream (fewer if it ends sooner), and a stream of all of it: nothing is read twice. */
export async function sniff(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    let finished = ended;
    try {
      if (head.length > 0) yield head;
      while (!finished) {
        const next = await iterator.next();
        if (next.done) finished = true;
        else yield next.value;
      }
    } finally {
      if (!finished) await iterator.return?.();
    }
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}
