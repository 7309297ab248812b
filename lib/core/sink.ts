/**
 * `sink` (wechatpay-php's Guzzle option): a download written to a file path or a Writable as it streams,
 * with flat memory. A file is written under a temporary name in its own folder and renamed to its name only
 * once the body is complete and has passed the endpoint's check: an overseas statement's SHA-1 (from its
 * signed headers), or the hash a verified answer announced for the download URL (a bill's `hash_value`, a
 * transfer receipt's). On any failure nothing is left at the path and the temporary file is removed; a
 * Writable is destroyed with the error. What reaches here was already verified by the protocol's verifier
 * (APIv2 `return_code` FAIL answers are ApiErrors before any file is opened).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import type { AxiosResponse } from 'axios';
import { BillError, RequestError, SinkError, VerificationError, WechatpayError } from '../errors.js';
import { announcedHash, HashCheck, type AnnouncedHash } from '../helpers/bill.js';
import { bytesOf } from '../util/body.js';
import { WECHATPAY_STATEMENT_SHA1 } from '../v3/verifier.js';

/** Where a download goes. */
export type SinkTarget = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'stream'; readonly stream: Writable };

/**
 * The `sink` option checked: a non-empty path, a `file:` URL (or `file://` string), a Writable, or
 * `{ path, overwrite }`. A read-only file at the path is refused before anything is sent (as Guzzle's sink
 * fails to open it), unless `overwrite: true` says to replace it.
 */
export function sinkTarget(template: string, value: unknown): SinkTarget | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Writable) return { kind: 'stream', stream: value };
  const { path, overwrite } = sinkFile(value) ?? {};
  if (path === undefined) {
    throw new RequestError('EREQUEST_OPTIONS', `${template}: sink must be a file path, a file: URL, { path, overwrite } or a Writable`);
  }
  if (overwrite !== true && isReadOnlyFile(path)) {
    throw new SinkError('ESINK_READ_ONLY', `${template}: the sink's file is read-only: it is not replaced (give sink: { path, overwrite: true } to replace it)`,
      resolve(path));
  }
  return { kind: 'path', path };
}

function sinkFile(value: unknown): { path: string | undefined; overwrite: unknown } | undefined {
  const pathOf = (given: unknown): string | undefined => {
    if (given instanceof URL && given.protocol === 'file:') return fileURLToPath(given);
    if (typeof given === 'string' && given !== '') return /^file:\/\//i.test(given) ? fileURLToPath(given) : given;
    return undefined;
  };
  if (typeof value === 'object' && value !== null && !(value instanceof URL)) {
    const { path, overwrite, ...rest } = value as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || (overwrite !== undefined && typeof overwrite !== 'boolean')) return undefined;
    return { path: pathOf(path), overwrite };
  }
  return { path: pathOf(value), overwrite: false };
}

/** A file exists at `path` and no one may write it (mode bits: root may write anything, and would replace it). */
function isReadOnlyFile(path: string): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat !== undefined && stat.isFile() && (stat.mode & 0o222) === 0;
}

/** A temporary file of a sink (`.<name>.<12 hex>.partial`). */
const PARTIAL = /^\..+\.[0-9a-f]{12}\.partial$/;
/**
 * How long a temporary file may go unwritten before a later sink into its folder removes it: a download in
 * progress writes at least every `timeout` (30 s by default), so one silent for an hour was left by a process
 * that died mid-way.
 */
export const STALE_PARTIAL_MS = 3600_000;

/** Removes the temporary files of sinks that died mid-way in `folder` (best effort: a failure is ignored). */
async function removeStalePartials(folder: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return;
  }
  await Promise.all(names.filter((name) => PARTIAL.test(name)).map(async (name) => {
    const file = join(folder, name);
    try {
      const stat = await fsp.lstat(file);
      if (stat.isFile() && now - stat.mtimeMs > STALE_PARTIAL_MS) await fsp.rm(file, { force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }));
}

/** The checks a download passes before it is kept. */
export interface SinkChecks {
  /** An overseas statement: the SHA-1 its signed headers announce. */
  statementSha1?: string;
  /** The hash a verified answer announced for this download URL. */
  announced?: AnnouncedHash;
}

/** How many announced hashes a client keeps (a download URL is valid for seconds; these are the recent ones). */
const REMEMBERED = 256;

/**
 * The hashes verified answers announced for their download URLs (`download_url` beside `hash_type` and
 * `hash_value`: bills, fund flows, transfer receipts), by the URL's `token`, so that a `sink` download of
 * that URL by the same client is checked. A file the platform encrypts (`encrypt_key`) is hashed before
 * encryption: not remembered.
 */
export class AnnouncedHashes {
  readonly #byKey = new Map<string, AnnouncedHash>();

  /** The answer itself and the entries of its top-level lists (a fund-flow bill's `download_bill_list`). */
  remember(data: unknown): void {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
    this.#rememberEntry(data);
    for (const value of Object.values(data)) {
      if (Array.isArray(value)) for (const entry of value) this.#rememberEntry(entry);
    }
  }

  #rememberEntry(entry: unknown): void {
    if (typeof entry !== 'object' || entry === null) return;
    const { download_url: url, hash_type: type, hash_value: value, encrypt_key: encrypted } = entry as Record<string, unknown>;
    if (typeof url !== 'string' || value === undefined || encrypted !== undefined) return;
    const key = downloadKey(url);
    if (key === undefined) return;
    try {
      this.#byKey.delete(key);
      this.#byKey.set(key, announcedHash(type, value));
    } catch {
      // a hash this runtime cannot check (an unknown type) is not remembered
    }
    if (this.#byKey.size > REMEMBERED) this.#byKey.delete(this.#byKey.keys().next().value!);
  }

  lookup(url: string | undefined): AnnouncedHash | undefined {
    const key = url === undefined ? undefined : downloadKey(url);
    return key === undefined ? undefined : this.#byKey.get(key);
  }
}

/** A download URL's identity: its one-time `token` (the host and path may be written otherwise by the caller). */
function downloadKey(url: string): string | undefined {
  try {
    const token = new URL(url, 'https://api.mch.weixin.qq.com/').searchParams.get('token');
    return token ? `token=${token}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A check of the hash a verified answer announced: the bytes pass on unchanged (to the file), and are
 * hashed as they are, or gunzipped first when they are gzip (a bill asked for with `tar_type=GZIP` is
 * hashed over its CSV). The gunzip runs beside the flow, with backpressure, so memory stays flat.
 */
class AnnouncedCheck extends Transform {
  #head = Buffer.alloc(0);
  #side: Writable | undefined;
  #done: Promise<void> | undefined;

  constructor(private readonly announced: AnnouncedHash) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.push(chunk);
    if (this.#side) {
      this.#feed(chunk, callback);
      return;
    }
    this.#head = Buffer.concat([this.#head, chunk]);
    if (this.#head.length < 2) {
      callback();
      return;
    }
    this.#start();
    this.#feed(this.#head, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.#side) {
      this.#start();
      if (this.#head.length > 0) this.#side!.write(this.#head);
    }
    this.#side!.end();
    this.#done!.then(() => callback(), (error: unknown) => callback(error as Error));
  }

  #start(): void {
    const gzip = this.#head[0] === 0x1f && this.#head[1] === 0x8b;
    const check = new HashCheck(this.announced);
    const discard = new Writable({ write: (_chunk, _encoding, next) => next() });
    const gunzip = gzip ? createGunzip() : undefined;
    this.#side = gunzip ?? check;
    this.#done = pipeline([...(gunzip ? [gunzip] : []), check, discard]);
    this.#done.catch((error: unknown) => this.destroy(error as Error));
  }

  #feed(bytes: Buffer, callback: TransformCallback): void {
    if (this.#side!.write(bytes)) {
      callback();
      return;
    }
    this.#side!.once('drain', () => callback());
  }
}

/** What a sink's failure is, as the SDK's error: the check's own error, else where it failed. */
function sinkError(error: unknown, where: 'source' | 'destination' | undefined, signal: AbortSignal | undefined, path: string | undefined): WechatpayError {
  if (error instanceof WechatpayError) return error;
  const cause = typeof error === 'object' && error !== null && typeof (error as Error).message === 'string' ? error as Error : new Error(String(error));
  const code = (cause as { code?: unknown }).code;
  if (signal?.aborted || cause.name === 'AbortError') return new SinkError('ESINK_ABORTED', 'The download was aborted: nothing was kept', path, { cause });
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new BillError('EBILL_GZIP', `The file is not valid gzip (corrupted or truncated): ${cause.message}`, {}, { cause });
  }
  if (where === 'destination') {
    return new SinkError('ESINK_WRITE', `The download could not be written${path ? ` to ${path}` : ''}: ${cause.message}`, path, { cause });
  }
  return new SinkError('ESINK_STREAM', `The download broke off before its end: ${cause.message}`, path, { cause });
}

/** The answer's body as a stream: the verified bytes (a signed answer, an APIv2 XML) or the stream itself. */
function bodyStream(data: unknown): Readable {
  if (data instanceof Readable) return data;
  return Readable.from([bytesOf(data) ?? Buffer.alloc(0)]);
}

/** The statement check: the SHA-1 of the body is the one its signed headers announce. */
function statementCheck(expected: string): HashCheck {
  return new HashCheck({ hashType: 'SHA1', algorithm: 'sha1', expected: expected.toLowerCase() }, undefined, undefined,
    () => new VerificationError('EV3_RES_STATEMENT_SHA1', `The statement's body does not hash to its ${WECHATPAY_STATEMENT_SHA1} header: it is not kept`));
}

/**
 * Writes a verified answer's body to `target`, through the checks; resolves the response with `data` set
 * to the absolute path written (a file) or undefined (a Writable).
 */
export async function sinkAnswer(response: AxiosResponse, target: SinkTarget, checks: SinkChecks, signal?: AbortSignal): Promise<AxiosResponse> {
  const source = bodyStream(response.data);
  const stages: Transform[] = [
    ...(checks.statementSha1 !== undefined ? [statementCheck(checks.statementSha1)] : []),
    ...(checks.announced ? [new AnnouncedCheck(checks.announced)] : []),
  ];
  let where: 'source' | 'destination' | undefined;
  source.once('error', () => (where ??= 'source'));
  const options = signal ? { signal } : {};
  if (target.kind === 'stream') {
    target.stream.once('error', () => (where ??= 'destination'));
    try {
      await pipeline([source, ...stages, target.stream], options);
    } catch (error) {
      throw sinkError(error, where, signal, undefined);
    }
    response.data = undefined;
    return response;
  }

  const path = resolve(target.path);
  // Beside the download (awaited at its end): the body's stream must reach the pipeline at once.
  const cleaning = removeStalePartials(dirname(path));
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const out = createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
    out.once('error', () => (where ??= 'destination'));
    await pipeline([source, ...stages, out], options);
    where = 'destination';
    // On disk before it takes the name: a crash leaves the previous file or the new one, never half of one.
    const written = await fsp.open(temporary, 'r');
    try {
      await written.sync();
    } finally {
      await written.close();
    }
    await fsp.rename(temporary, path);
  } catch (error) {
    await Promise.all([fsp.rm(temporary, { force: true }), cleaning]);
    throw sinkError(error, where, signal, path);
  }
  await cleaning;
  response.data = path;
  return response;
}
