import { createHash, getHashes, timingSafeEqual, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { pipeline as pipelineCallback, Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { BillError, WechatpayError } from '../errors.js';
import { responseRule } from '../v3/response-rule.js';
import type { LooseOptions, WechatpayResponse } from '../types.js';
import { sniff } from '../util/body.js';
import { headerOf } from '../util/headers.js';

/** The answer of `GET v3/bill/tradebill`, `v3/bill/fundflowbill`, `v3/bill/sub-merchant-fundflowbill` (one of its files). */
export interface BillAnswer {
  /** `SHA1` (the platform's default) or `SHA256`; `SM3` where node's OpenSSL has it. */
  hash_type?: string;
  hash_value: string;
  download_url: string;
}

/** The hash algorithms a bill may announce, by their name in the answer. */
const HASHES: Readonly<Record<string, string>> = { SHA1: 'sha1', SHA256: 'sha256', SM3: 'sm3' };

/** What a download reports as it goes: every number only grows. */
export interface BillProgress {
  /** Bytes of the response body received so far (compressed, if it is gzip). */
  received: number;
  /** The response's Content-Length, when the server sent one. */
  total: number | undefined;
  /** Bytes of the bill itself so far (after gunzip): what is hashed and handed on. */
  decompressed: number;
}

export interface OpenBillOptions {
  /**
   * Gunzip the body: `true` (the bill was asked for with `tar_type=GZIP`), `false` (never), or
   * `'auto'` (the default: when the body starts with the gzip magic bytes).
   */
  gunzip?: boolean | 'auto';
  /** Called for every chunk with the running counts. */
  onProgress?: (progress: BillProgress) => void;
  /** Stops the download (the request, or the streaming, whichever is under way). */
  signal?: AbortSignal;
  /** More options for the GET (timeout, headers, httpAgent, a per-request baseURL, ...). */
  request?: LooseOptions;
}

export interface DownloadBillOptions extends OpenBillOptions {
  /**
   * Where the bill goes: a file path (or `file://` URL), written as `<path>.partial` (mode 0600) and
   * renamed to `<path>` only once the hash matched; or a Writable, ended when the hash matched and
   * destroyed with the error when the download fails once under way (it is left alone when the
   * download fails before its first byte, e.g. on an invalid answer or an error status).
   */
  to: string | URL | Writable;
}

/** What a finished, verified download was. */
export interface BillDownload {
  hashType: string;
  /** The verified hash (lower-case hex). */
  hash: string;
  /** Size of the bill (after gunzip). */
  bytes: number;
  /** Bytes received over the wire. */
  received: number;
  /** Whether the body was gunzipped. */
  gunzipped: boolean;
  /** The file written, when `to` was a path. */
  path?: string;
}

/** What the download needs of a client: `client.chain(path).get(options)`. */
export interface BillClient {
  chain(template: string): { get(options?: LooseOptions): Promise<WechatpayResponse<unknown>> };
}

/** A file's hash as an answer announced it (`hash_type`, `hash_value`), ready to check. */
export interface AnnouncedHash {
  /** `SHA1`, `SHA256`, `SM3`. */
  hashType: string;
  /** node:crypto's name of the algorithm. */
  algorithm: string;
  /** Lower-case hex. */
  expected: string;
}

interface Plan extends AnnouncedHash {
  template: string;
}

/** The hash an answer announces (`hash_type` defaults to SHA1); a BillError when it cannot be checked here. */
export function announcedHash(rawType: unknown, expected: unknown): AnnouncedHash {
  const hashType = String(rawType ?? 'SHA1').toUpperCase();
  const algorithm = HASHES[hashType];
  if (!algorithm || !getHashes().includes(algorithm)) {
    throw new BillError('EBILL_ANSWER', `The bill's hash_type ${String(rawType)} is not supported here (SHA1, SHA256${getHashes().includes('sm3') ? ', SM3' : ''})`, { hashType });
  }
  if (typeof expected !== 'string' || !/^[0-9a-fA-F]+$/.test(expected)) {
    throw new BillError('EBILL_ANSWER', 'The answer has no hash_value: a bill that cannot be verified is not downloaded', { hashType });
  }
  return { hashType, algorithm, expected: expected.toLowerCase() };
}

/** Checks the answer before anything is sent. The download URL's host is never contacted itself (see {@link openBill}). */
function plan(input: BillAnswer | WechatpayResponse<unknown>): Plan {
  const answer = (isResponse(input) ? input.data : input) as Partial<BillAnswer> | undefined;
  if (!answer || typeof answer !== 'object') throw new BillError('EBILL_ANSWER', 'downloadBill needs the answer of v3/bill/tradebill or fundflowbill');
  const { hash_type: rawType = 'SHA1', hash_value: expected, download_url: downloadUrl } = answer;
  const hash = announcedHash(rawType, expected);
  if (typeof downloadUrl !== 'string' || downloadUrl === '') throw new BillError('EBILL_ANSWER', 'The answer has no download_url');
  let url: URL;
  try {
    url = new URL(downloadUrl, 'https://api.mch.weixin.qq.com/');
  } catch (error) {
    throw new BillError('EBILL_ANSWER', 'The download_url is not a URL', {}, { cause: error });
  }
  const path = url.pathname.replace(/^\/+/, '');
  if (responseRule('get', path) !== 'unsigned-download') {
    throw new BillError('EBILL_ANSWER', `The download_url names /${path}, which is not a bill download`);
  }
  // Braces are the only characters a URI template would read; everything else of the query is kept byte for byte.
  const query = url.search.replace(/[{}]/g, (brace) => (brace === '{' ? '%7B' : '%7D'));
  return { template: `${path}${query}`, ...hash };
}

function isResponse(input: unknown): input is WechatpayResponse<unknown> {
  return typeof input === 'object' && input !== null && 'data' in input && 'status' in input && 'headers' in input;
}

/** What a {@link HashCheck} counts: the bytes hashed, and the hash once it matched. */
export interface HashTally {
  received: number;
  total: number | undefined;
  decompressed: number;
  hash: string | undefined;
}

/** Running totals, shared by the stages of one download. */
interface Tally extends HashTally {
  gunzipped: boolean;
}

/** Counts the bytes received. */
function counter(tally: Tally): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      tally.received += chunk.length;
      callback(null, chunk);
    },
  });
}

/**
 * Hashes the bytes that pass through, reports progress, and fails at the end (a BillError `EBILL_HASH`)
 * when the hash is not the announced one: a stage of {@link openBill}, and of a `sink` download whose
 * answer announced its hash.
 */
export class HashCheck extends Transform {
  readonly #hash: Hash;
  readonly #tally: HashTally;

  /** `mismatch` makes the error of a hash that is not the announced one (default: a BillError `EBILL_HASH`). */
  constructor(
    private readonly announced: AnnouncedHash,
    tally?: HashTally,
    private readonly onProgress?: (progress: BillProgress) => void,
    private readonly mismatch?: (actual: string) => Error,
  ) {
    super();
    this.#hash = createHash(announced.algorithm);
    this.#tally = tally ?? { received: 0, total: undefined, decompressed: 0, hash: undefined };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#tally.decompressed += chunk.length;
    try {
      this.#report();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    const { expected, hashType } = this.announced;
    const same = actual.length === expected.length && timingSafeEqual(Buffer.from(actual), Buffer.from(expected));
    if (!same) {
      callback(this.mismatch?.(actual) ?? new BillError('EBILL_HASH',
        `The file's ${hashType} is ${actual}, not ${expected} as announced: it is corrupted or incomplete and must not be used`,
        { hashType, expected, actual }));
      return;
    }
    this.#tally.hash = actual;
    try {
      this.#report();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }

  #report(): void {
    this.onProgress?.({ received: this.#tally.received, total: this.#tally.total, decompressed: this.#tally.decompressed });
  }
}

/** The stage that undoes a Content-Encoding (the transport's compression, not the bill's own gzip). */
function contentDecoder(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new BillError('EBILL_DOWNLOAD', `The bill came with Content-Encoding ${encoding}, which is not supported`);
  }
}

/** Streams piped into each other; an error anywhere destroys them all and reaches the last one (and its reader). */
function chained(streams: Array<Readable | Transform>): Readable {
  return pipelineCallback(streams, () => {
    // the error is on the last stream, where it is read
  }) as unknown as Readable;
}

/** An error of the download as a BillError (the client's own errors, such as ApiError, pass through). */
function billError(error: unknown, signal?: AbortSignal): WechatpayError {
  if (error instanceof WechatpayError && !(signal?.aborted && ['EREQUEST_TRANSPORT', 'EREQUEST_ABORTED'].includes(error.code))) return error;
  // Errors made by node's own streams may come from another realm (a vm, a test runner): not `instanceof Error`.
  const cause = typeof error === 'object' && error !== null && typeof (error as Error).message === 'string' ? error as Error : new Error(String(error));
  if (signal?.aborted || cause.name === 'AbortError') {
    return new BillError('EBILL_ABORTED', 'The bill download was aborted', {}, { cause });
  }
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new BillError('EBILL_GZIP', `The bill is not valid gzip (corrupted or truncated): ${cause.message}`, {}, { cause });
  }
  return new BillError('EBILL_DOWNLOAD', `The bill download failed: ${cause.message}`, {}, { cause });
}

async function open(client: BillClient, answer: BillAnswer | WechatpayResponse<unknown>, options: OpenBillOptions): Promise<{ stream: Readable; tally: Tally }> {
  const route = plan(answer);
  const { gunzip = 'auto', onProgress, signal, request = {} } = options;
  const tally: Tally = { received: 0, total: undefined, decompressed: 0, gunzipped: false, hash: undefined };
  let body: unknown;
  try {
    const response = await client.chain(route.template).get({
      ...request,
      headers: { 'Accept-Encoding': 'gzip, deflate, br', ...request.headers },
      responseType: 'stream',
      decompress: false,
      ...(signal ? { signal } : {}),
    });
    body = response.data;
    const length = Number(headerOf(response.headers, 'Content-Length'));
    tally.total = headerOf(response.headers, 'Content-Length') !== undefined && Number.isSafeInteger(length) ? length : undefined;
    if (!(body instanceof Readable)) {
      throw new BillError('EBILL_DOWNLOAD', `${route.template.replace(/\?.*/, '')} did not answer with a stream (is a transformResponse in the way?)`);
    }
    const decoder = contentDecoder(headerOf(response.headers, 'Content-Encoding'));
    const stages: Array<Readable | Transform> = [body, counter(tally), ...(decoder ? [decoder] : [])];
    const wire = chained(stages);
    const { head, stream } = await sniff(wire, 2);
    tally.gunzipped = gunzip === true || (gunzip === 'auto' && head[0] === 0x1f && head[1] === 0x8b);
    const tail = chained([stream, ...(tally.gunzipped ? [createGunzip()] : []), new HashCheck(route, tally, onProgress)]);
    if (signal) {
      const onAbort = () => tail.destroy(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
      signal.addEventListener('abort', onAbort, { once: true });
      tail.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    async function* guarded(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of tail) yield chunk as Buffer;
      } catch (error) {
        throw billError(error, signal);
      }
    }
    return { stream: Readable.from(guarded(), { objectMode: false }), tally };
  } catch (error) {
    if (body instanceof Readable) body.destroy();
    throw billError(error, signal);
  }
}

/**
 * The bill as a stream, verified while it flows: it ends normally only when the whole bill was
 * received and its hash is the announced one; otherwise it fails with a {@link BillError}. Pipe it
 * into {@link parseBill} to read rows while downloading (treat nothing as final before the stream ends).
 *
 * The download is a signed GET of the download URL's path and query through `client`, with the
 * client's base URL: the host named in the URL is not contacted itself, so the Authorization header
 * only ever goes where the client already sends it (give `request.baseURL` to choose another host).
 */
export async function openBill(client: BillClient, answer: BillAnswer | WechatpayResponse<unknown>, options: OpenBillOptions = {}): Promise<Readable> {
  return (await open(client, answer, options)).stream;
}

/**
 * Downloads a bill (the answer of `v3/bill/tradebill` or `fundflowbill`) to a file or a Writable,
 * gunzipping it when asked (or when it is gzip), checking its hash over the bill's bytes as they
 * stream; memory stays flat whatever the size. A hash mismatch (or any failure) rejects with a
 * {@link BillError} and leaves no file at `to` (nor a `.partial` one).
 */
export async function downloadBill(client: BillClient, answer: BillAnswer | WechatpayResponse<unknown>, options: DownloadBillOptions): Promise<BillDownload> {
  const { to, signal } = options;
  if (to instanceof Writable) {
    const { stream, tally } = await open(client, answer, options);
    try {
      await pipeline(stream, to, ...(signal ? [{ signal }] : []));
    } catch (error) {
      throw billError(error, signal);
    }
    return result(answer, tally);
  }
  if (typeof to !== 'string' && !(to instanceof URL)) {
    throw new BillError('EBILL_DOWNLOAD', 'downloadBill needs `to`: a file path or a Writable');
  }
  const path = typeof to === 'string' && !/^file:\/\//i.test(to) ? to : fileURLToPath(to);
  const partial = `${path}.partial`;
  const file = await fsp.open(partial, 'w', 0o600).catch((error: unknown) => {
    throw new BillError('EBILL_DOWNLOAD', `Cannot write the bill: ${(error as Error).message}`, {}, { cause: error });
  });
  try {
    const { stream, tally } = await open(client, answer, options);
    await pipeline(stream, file.createWriteStream(), ...(signal ? [{ signal }] : []));
    await fsp.rename(partial, path);
    return { ...result(answer, tally), path };
  } catch (error) {
    await file.close().catch(() => undefined);
    await fsp.rm(partial, { force: true });
    throw billError(error, signal);
  }
}

function result(answer: BillAnswer | WechatpayResponse<unknown>, tally: Tally): BillDownload {
  const { hashType } = plan(answer);
  return { hashType, hash: tally.hash!, bytes: tally.decompressed, received: tally.received, gunzipped: tally.gunzipped };
}
