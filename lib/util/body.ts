import { Readable } from 'node:stream';
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

/** The bytes of a raw request body: a string (UTF-8), a Buffer, a typed array or a readable stream. */
export async function readBody(data: unknown): Promise<Buffer> {
  const inMemory = bytesOf(data);
  if (inMemory) return inMemory;
  if (isStreamBody(data)) {
    const chunks: Buffer[] = [];
    for await (const chunk of data as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  }
  throw new TypeError(`A request body must be a string, Buffer, Uint8Array or readable stream, got ${typeof data}`);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A verified answer's body as data: JSON parsed, text as a string, anything else (files) as a Buffer; empty is undefined. */
export function parseBody(raw: Buffer, headers: HeaderBag): unknown {
  if (raw.length === 0) return undefined;
  const type = (headerOf(headers, 'Content-Type') ?? '').toLowerCase();
  const text = (): string => raw.toString('utf8');
  if (type.includes('json') || (type === '' && /^\s*[{[]/.test(text()))) {
    try {
      return JSON.parse(text());
    } catch {
      return text();
    }
  }
  if (type === '' || type.startsWith('text/') || type.includes('xml') || type.includes('csv')) return text();
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
