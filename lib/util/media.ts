import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { MediaError } from '../errors.js';

/**
 * The `file` part's Content-Type by extension, as wechatpay-php sends it: Guzzle's MultipartStream names a
 * part by its file name with guzzlehttp/psr7's MimeType table (mime-db), given here for every type an upload
 * endpoint of the API description accepts. Images (jpg, jpeg, png, bmp; gif, webp), PDF (media, fapiao, taxi
 * invoices, overseas files), CSV (bank packages), and the ten video types of `v3/merchant/media/video_upload`.
 * OFD (fapiao) is not in that table: wechatpay-php sends its part without a Content-Type, this SDK as
 * `application/octet-stream`, like any other extension it does not know.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  csv: 'text/csv',
  mp4: 'video/mp4',
  avi: 'video/x-msvideo',
  wmv: 'video/x-ms-wmv',
  mpeg: 'video/mpeg',
  mov: 'video/quicktime',
  mkv: 'video/matroska',
  flv: 'video/x-flv',
  f4v: 'video/mp4',
  m4v: 'video/x-m4v',
  rmvb: 'application/vnd.rn-realmedia-vbr',
};

/** The Content-Type of a media file by its extension (`application/octet-stream` when unknown). */
export function mediaContentType(filename: string): string {
  return CONTENT_TYPES[extname(filename).slice(1).toLowerCase()] ?? 'application/octet-stream';
}

export interface MediaOptions {
  /** The name sent in the meta and in the `file` part (default: the base name of `filepath`). */
  filename?: string;
  /** The `file` part's Content-Type (default: by the file name's extension, see {@link mediaContentType}). */
  contentType?: string;
  /** Where a stream is spooled while it is hashed (default: `os.tmpdir()`). */
  tmpdir?: string;
  /** The name of the file part (default `file`; `submission_file`, `due_diligence_file` where the endpoint says so). */
  name?: string;
  /** Plain form fields sent beside `meta` (e.g. `item_id` and `manage_record_id` of `v3/mch-manage/submission-files/...`). */
  fields?: Readonly<Record<string, string | number>>;
}

/** What a file source turned into once hashed. */
interface Prepared {
  sha256: string;
  /** APIv2 uploads sign the file's MD5 (`media_hash`). */
  md5: string;
  size: number;
  /** The bytes, for a Buffer source. */
  bytes?: Buffer;
  /** The file to stream the bytes from: the caller's file, or the spooled copy of a stream. */
  path?: string;
}

type Source =
  | { kind: 'path'; path: string }
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'stream'; stream: Readable };

/** Body streams made by a MediaUtil, so that `body: media.getStream()` is recognised by the client. */
const bodies = new WeakMap<object, MediaUtil>();

/** The MediaUtil whose `getStream()` made this body, if any (how the client recognises wechatpay-php's form). */
export function multipartOf(body: unknown): MediaUtil | undefined {
  return typeof body === 'object' && body !== null ? bodies.get(body) : undefined;
}

/** Spool directories still on disk: removed at the latest when the process exits. */
const spools = new Set<string>();
let exitHook = false;
function trackSpool(dir: string): void {
  spools.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const leftover of spools) rmSync(leftover, { recursive: true, force: true });
    });
  }
}

const CRLF = '\r\n';

/** A `Content-Disposition` parameter value: `"`, CR and LF percent-encoded as HTML forms do. */
function dispositionValue(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** One multipart part's opening: the boundary line and its headers. */
function partHead(boundary: string, name: string, headers: { filename?: string; type?: string } = {}): string {
  const disposition = `Content-Disposition: form-data; name="${dispositionValue(name)}"` +
    (headers.filename === undefined ? '' : `; filename="${dispositionValue(headers.filename)}"`);
  return [`--${boundary}`, disposition, ...(headers.type ? [`Content-Type: ${headers.type}`] : []), '', ''].join(CRLF);
}

/** How the parts are laid out around the file's bytes. */
interface Layout {
  /** APIv3: the signed meta JSON, first. */
  meta?: string;
  /** Plain fields, before the file (APIv3) or after it (APIv2, as wechatpay-php's uploadmedia sample orders them). */
  fields: ReadonlyArray<readonly [string, string]>;
  fieldsAfterFile: boolean;
  /** The file part's name and file name. */
  name: string;
  filename: string;
}

/**
 * A media file to upload (wechatpay-php's `MediaUtil`): the `meta` JSON that is signed, and the
 * `multipart/form-data` body carrying `meta` and `file`.
 *
 * ```ts
 * const media = new MediaUtil('/path/to/image.jpg');           // or new MediaUtil('a.mp4', stream | buffer)
 * await client.v3.merchant.media.upload.post({ multipart: media });
 * // wechatpay-php's form works too:
 * await client.v3.merchant.media.upload.post({ body: media.getStream(), headers: { 'Content-Type': media.getContentType() } });
 * // an endpoint with its own file part name and form fields:
 * new MediaUtil('a.jpg', undefined, { name: 'submission_file', fields: { item_id: 56, manage_record_id: '56' } }).setMeta({ ... });
 * // APIv2 (v2/secapi/mch/uploadmedia): the SDK signs mch_id, the file's MD5 (media_hash) and sign_type
 * await client.v2.secapi.mch.uploadmedia.post({ multipart: new MediaUtil('/path/to/image.jpg') });
 * ```
 *
 * Hashing reads the file, so it is asynchronous: the client waits for {@link ready} itself; call it
 * (or use {@link MediaUtil.from}) before `getMeta()` if you need the meta yourself. A file is read
 * twice from disk (to hash, then to send) and never held in memory; a stream is hashed while it is
 * spooled to a temporary file, which is removed once the upload has read it.
 */
export class MediaUtil {
  readonly #source: Source;
  readonly #filename: string;
  readonly #fileType: string;
  readonly #tmpdir: string;
  readonly #name: string;
  readonly #fields: ReadonlyArray<readonly [string, string]>;
  readonly #boundary = `----WechatpayChainBoundary${randomBytes(12).toString('hex')}`;
  #preparing: Promise<this> | undefined;
  #prepared: Prepared | undefined;
  /** A meta given as a whole JSON string (wechatpay-php's `setMeta($json)`), sent verbatim. */
  #metaText: string | undefined;
  /** Fields added after `filename` and `sha256` (`setMeta({ ... })`). */
  #metaExtras: Record<string, unknown> | undefined;
  #spoolDir: string | undefined;
  #consumed = false;

  /**
   * @param filepath a file path or `file://` URL; with `file`, only its base name is used (the file name sent)
   * @param file the file's content: a Buffer, a Uint8Array or a readable stream
   */
  constructor(filepath: string | URL, file?: Buffer | Uint8Array | Readable, options: MediaOptions = {}) {
    const path = filepath instanceof URL || /^file:\/\//i.test(filepath) ? fileURLToPath(filepath) : filepath;
    if (typeof path !== 'string' || path === '') throw new MediaError('EMEDIA_SOURCE', 'MediaUtil needs a file path or a file name');
    if (file === undefined) this.#source = { kind: 'path', path };
    else if (file instanceof Readable) this.#source = { kind: 'stream', stream: file };
    else if (file instanceof Uint8Array) this.#source = { kind: 'bytes', bytes: Buffer.from(file.buffer, file.byteOffset, file.byteLength) };
    else throw new MediaError('EMEDIA_SOURCE', `MediaUtil takes the file as a Buffer, a Uint8Array or a readable stream, got ${typeof file}`);
    this.#filename = options.filename ?? basename(path);
    if (this.#filename === '') {
      throw new MediaError('EMEDIA_SOURCE', `MediaUtil needs a file name, got "${this.#filename}"`);
    }
    this.#fileType = options.contentType ?? mediaContentType(this.#filename);
    this.#tmpdir = options.tmpdir ?? tmpdir();
    this.#name = options.name ?? 'file';
    this.#fields = Object.entries(options.fields ?? {}).map(([name, value]) => [name, String(value)] as const);
  }

  /** A MediaUtil that is ready: hashed (and spooled, for a stream). */
  static from(filepath: string | URL, file?: Buffer | Uint8Array | Readable, options?: MediaOptions): Promise<MediaUtil> {
    return new MediaUtil(filepath, file, options).ready();
  }

  /** Hashes the file (spooling a stream to a temporary file on the way); safe to call more than once. */
  ready(): Promise<this> {
    this.#preparing ??= this.#prepare().then((prepared) => {
      this.#prepared = prepared;
      return this;
    });
    return this.#preparing;
  }

  /** Whether {@link ready} has finished, so that `getMeta()` can answer. */
  get isReady(): boolean {
    return this.#prepared !== undefined;
  }

  async #prepare(): Promise<Prepared> {
    const source = this.#source;
    if (source.kind === 'bytes') {
      return {
        sha256: createHash('sha256').update(source.bytes).digest('hex'),
        md5: createHash('md5').update(source.bytes).digest('hex'),
        size: source.bytes.length,
        bytes: source.bytes,
      };
    }
    if (source.kind === 'path') {
      try {
        const stat = await fsp.stat(source.path);
        if (!stat.isFile()) throw new Error(`${source.path} is not a file`);
        return { ...(await hashed(createReadStream(source.path))), path: source.path };
      } catch (error) {
        throw new MediaError('EMEDIA_SOURCE', `Cannot read the media file: ${(error as Error).message}`, { cause: error });
      }
    }
    const dir = await fsp.mkdtemp(join(this.#tmpdir, 'wechatpay-media-'));
    this.#spoolDir = dir;
    trackSpool(dir);
    const spool = join(dir, 'file');
    try {
      const result = await hashed(source.stream, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
      return { ...result, path: spool };
    } catch (error) {
      await this.dispose();
      throw new MediaError('EMEDIA_SOURCE', `Cannot read the media stream: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The file name sent in the meta and the `file` part. */
  getFilename(): string {
    return this.#filename;
  }

  /** The hex SHA-256 of the file. */
  getSha256(): string {
    return this.#ready('getSha256').sha256;
  }

  /** The hex MD5 of the file (lower case): an APIv2 upload's `media_hash`. */
  getMd5(): string {
    return this.#ready('getMd5').md5;
  }

  /** The size of the file in bytes. */
  getSize(): number {
    return this.#ready('getSize').size;
  }

  /** The `meta` JSON string: what is signed (`{"filename":"a.png","sha256":"..."}`, then any `setMeta()` fields). */
  getMeta(): string {
    if (this.#metaText !== undefined) return this.#metaText;
    const { sha256 } = this.#ready('getMeta');
    return JSON.stringify({ filename: this.#filename, sha256, ...this.#metaExtras });
  }

  /**
   * Changes the meta of an endpoint that wants more (or other) fields. A string is wechatpay-php's form:
   * the whole meta JSON, sent verbatim (e.g. `{"file_name":"a.jpg","file_digest":"...","item_id":1}`).
   * An object adds its fields after `filename` and `sha256` (a field of the same name replaces the
   * value in place). Nothing (or `null`) restores the default meta.
   */
  setMeta(json?: string | Record<string, unknown> | null): this {
    if (json === undefined || json === null) {
      this.#metaText = undefined;
      this.#metaExtras = undefined;
    } else if (typeof json === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch (error) {
        throw new MediaError('EMEDIA_META', `setMeta() needs a JSON object: ${(error as Error).message}`, { cause: error });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new MediaError('EMEDIA_META', 'setMeta() needs a JSON object');
      }
      this.#metaText = json;
      this.#metaExtras = undefined;
    } else if (typeof json === 'object' && !Array.isArray(json)) {
      this.#metaText = undefined;
      this.#metaExtras = { ...json };
    } else {
      throw new MediaError('EMEDIA_META', 'setMeta() takes a JSON string or an object of meta fields');
    }
    return this;
  }

  /** `multipart/form-data; boundary=...`: the request's Content-Type. */
  getContentType(): string {
    return `multipart/form-data; boundary=${this.#boundary}`;
  }

  /** The `file` part's Content-Type. */
  getFileContentType(): string {
    return this.#fileType;
  }

  /** The length of the multipart body in bytes, once ready. */
  getContentLength(): number | undefined {
    if (!this.#prepared) return undefined;
    const { head, tail } = this.#framing(this.#v3Layout());
    return head.length + this.#prepared.size + tail.length;
  }

  /**
   * An APIv2 upload's body (`v2/secapi/mch/uploadmedia`): the file as the `media` part, then the given
   * fields (`mch_id`, `media_hash`, `sign_type`, `sign`), as wechatpay-php's sample sends them. The client
   * calls it with the fields it signed; `length` is the exact body length. Needs {@link ready}.
   */
  getFormStream(fields: Readonly<Record<string, string>>, name = 'media'): { body: Readable; length: number } {
    const { size } = this.#ready('getFormStream');
    const layout: Layout = { fields: Object.entries(fields), fieldsAfterFile: true, name, filename: this.#filename };
    const { head, tail } = this.#framing(layout);
    return { body: this.#stream(layout), length: head.length + size + tail.length };
  }

  /**
   * The multipart body as a stream (wechatpay-php's `getStream()`): send it as `body` with
   * `getContentType()` as the Content-Type header. Each call makes a new stream; its data flows once
   * the media is ready. A media made from a stream can be sent once.
   */
  getStream(): Readable {
    const body = this.#stream();
    bodies.set(body, this);
    return body;
  }

  #stream(layout?: Layout): Readable {
    if (this.#consumed) throw this.#consumedError();
    let started = false;
    const body = Readable.from(this.#body(() => {
      started = true;
    }, layout), { objectMode: false });
    body.once('close', () => {
      if (started && this.#source.kind === 'stream') void this.dispose();
    });
    return body;
  }

  /** The multipart body (the client's name for {@link getStream}). */
  getBody(): Readable {
    return this.getStream();
  }

  /** Removes the spooled copy of a stream source now (it goes when the upload has read it, or at exit). */
  async dispose(): Promise<void> {
    const dir = this.#spoolDir;
    if (dir === undefined) return;
    this.#spoolDir = undefined;
    this.#consumed = true;
    spools.delete(dir);
    await fsp.rm(dir, { recursive: true, force: true });
  }

  #ready(method: string): Prepared {
    if (!this.#prepared) {
      throw new MediaError('EMEDIA_NOT_READY',
        `MediaUtil.${method}() needs the file hashed first: \`await media.ready()\` (or \`await MediaUtil.from(...)\`); ` +
        'the client does it itself for `multipart: media` and `body: media.getStream()`');
    }
    return this.#prepared;
  }

  #consumedError(): MediaError {
    return new MediaError('EMEDIA_CONSUMED',
      `${this.#filename}: a MediaUtil made from a stream is sent once (its spooled copy is removed after the upload); make a new one to send again`);
  }

  /** An APIv3 upload: `meta`, any plain fields, then the file part, named after the meta's `filename` when it has one. */
  #v3Layout(): Layout {
    const meta = this.getMeta();
    const named = (JSON.parse(meta) as Record<string, unknown>)['filename'];
    const filename = typeof named === 'string' && named !== '' ? named : this.#filename;
    return { meta, fields: this.#fields, fieldsAfterFile: false, name: this.#name, filename };
  }

  /** The bytes around the file's: the parts before it and the file part's headers, then the parts after it and the closing boundary. */
  #framing(layout: Layout): { head: Buffer; tail: Buffer } {
    const boundary = this.#boundary;
    const fields = layout.fields.map(([name, value]) => `${partHead(boundary, name)}${value}${CRLF}`).join('');
    const meta = layout.meta === undefined ? '' : `${partHead(boundary, 'meta', { type: 'application/json' })}${layout.meta}${CRLF}`;
    const file = partHead(boundary, layout.name, { filename: layout.filename, type: this.#fileType });
    const head = `${meta}${layout.fieldsAfterFile ? '' : fields}${file}`;
    const tail = `${CRLF}${layout.fieldsAfterFile ? fields : ''}--${boundary}--${CRLF}`;
    return { head: Buffer.from(head, 'utf8'), tail: Buffer.from(tail, 'utf8') };
  }

  async *#body(onStart: () => void, layout?: Layout): AsyncGenerator<Buffer> {
    await this.ready();
    onStart();
    const prepared = this.#prepared!;
    const { head, tail } = this.#framing(layout ?? this.#v3Layout());
    if (prepared.path !== undefined && this.#source.kind === 'stream') {
      if (this.#consumed) throw this.#consumedError();
      this.#consumed = true;
    }
    yield head;
    if (prepared.bytes) {
      yield prepared.bytes;
    } else if (prepared.size > 0) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(prepared.path!, { start: 0, end: prepared.size - 1 })) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        size += bytes.length;
        yield bytes;
      }
      if (size !== prepared.size || hash.digest('hex') !== prepared.sha256) {
        throw new MediaError('EMEDIA_CHANGED', `${prepared.path} changed after it was hashed: its bytes no longer match the signed meta`);
      }
    }
    // A spooled stream has been read whole: it goes before the upload is even answered.
    if (this.#source.kind === 'stream') await this.dispose();
    yield tail;
  }
}

/** SHA-256, MD5 and size of a stream, read once (and written to `copy` on the way, if given). */
async function hashed(stream: Readable, copy?: Writable): Promise<{ sha256: string; md5: string; size: number }> {
  const hash = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  async function* tap(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
      hash.update(bytes);
      md5.update(bytes);
      size += bytes.length;
      yield bytes;
    }
  }
  if (copy) {
    await pipeline(stream, tap, copy);
  } else {
    for await (const _chunk of tap(stream)) {
      // hashing only
    }
  }
  return { sha256: hash.digest('hex'), md5: md5.digest('hex'), size };
}
