import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Builder } from '../../lib/core/builder.js';
import { WechatpayError } from '../../lib/errors.js';
import { MediaError } from '../../lib/errors.js';
import { MediaUtil, mediaContentType, multipartOf } from '../../lib/util/media.js';
import { parseMultipart, uploadVerdict } from '../support/multipart.js';
import { Platform } from '../support/platform.js';

type AnyClient = any;
const platform = new Platform();
let client: AnyClient;
let dir: string;
let spoolDir: string;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const png = randomBytes(50_000);

/** The platform as the sandbox will be: it parses the multipart body itself and checks it against the meta and the signature. */
function acceptUploads() {
  platform.respond = (request) => {
    const verdict = uploadVerdict(request, platform.merchant.publicKey);
    if (!verdict.ok) return { status: 400, body: JSON.stringify({ code: 'PARAM_ERROR', message: verdict.reason }) };
    return { body: JSON.stringify({ media_id: `MEDIA_${sha256(verdict.file.body).slice(0, 16)}`, meta: verdict.metaFields }) };
  };
}

/** A readable stream of `size` random bytes, produced 64 KiB at a time (never held whole). */
function generated(size: number): { stream: Readable; sha256: string } {
  const block = randomBytes(65536);
  const hash = createHash('sha256');
  for (let left = size; left > 0; left -= block.length) hash.update(block.subarray(0, Math.min(block.length, left)));
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= size) return void this.push(null);
      const length = Math.min(block.length, size - produced);
      produced += length;
      this.push(Buffer.from(block.subarray(0, length)));
    },
  });
  return { stream, sha256: hash.digest('hex') };
}

beforeAll(async () => {
  await platform.start();
  client = Builder.factory(platform.config());
  dir = mkdtempSync(join(tmpdir(), 'media-spec-'));
  writeFileSync(join(dir, 'logo.png'), png);
});
beforeEach(() => {
  acceptUploads();
  spoolDir = mkdtempSync(join(dir, 'spool-'));
});
afterAll(async () => {
  await platform.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the meta', () => {
  it('is {"filename","sha256"} of a file path, in that order, byte for byte', async () => {
    const media = await MediaUtil.from(join(dir, 'logo.png'));
    expect(media.getMeta()).toBe(`{"filename":"logo.png","sha256":"${sha256(png)}"}`);
    expect(media.getFilename()).toBe('logo.png');
    expect(media.getSha256()).toBe(sha256(png));
    expect(media.getSize()).toBe(png.length);
    expect(media.getFileContentType()).toBe('image/png');
    expect(media.getContentType()).toMatch(/^multipart\/form-data; boundary=[-0-9A-Za-z]{30,70}$/);
  });

  it('takes file:// URLs (strings and URL objects), as wechatpay-php does', async () => {
    const url = pathToFileURL(join(dir, 'logo.png'));
    for (const input of [url, url.href]) {
      const media = await new MediaUtil(input).ready();
      expect(JSON.parse(media.getMeta())).toEqual({ filename: 'logo.png', sha256: sha256(png) });
    }
  });

  it('takes a Buffer, a Uint8Array or a stream with its file name', async () => {
    const view = new Uint8Array(png.buffer, png.byteOffset + 10, 100);
    const fromBuffer = await MediaUtil.from('a.jpg', png);
    const fromView = await MediaUtil.from('/any/dir/b.JPEG', view);
    const fromStream = await MediaUtil.from('c.mp4', Readable.from([png.subarray(0, 10), png.subarray(10)]), { tmpdir: spoolDir });
    expect(JSON.parse(fromBuffer.getMeta())).toEqual({ filename: 'a.jpg', sha256: sha256(png) });
    expect(JSON.parse(fromView.getMeta())).toEqual({ filename: 'b.JPEG', sha256: sha256(Buffer.from(view)) });
    expect(JSON.parse(fromStream.getMeta())).toEqual({ filename: 'c.mp4', sha256: sha256(png) });
    expect(fromView.getFileContentType()).toBe('image/jpeg');
    expect(fromStream.getFileContentType()).toBe('video/mp4');
    await fromStream.dispose();
  });

  it('is not available before the file is hashed: a clear error, not a wrong meta', () => {
    const media = new MediaUtil(join(dir, 'logo.png'));
    expect(media.isReady).toBe(false);
    expect(media.getContentLength()).toBeUndefined();
    for (const call of [() => media.getMeta(), () => media.getSha256(), () => media.getSize()]) {
      expect(call).toThrow(MediaError);
      expect(call).toThrow(/await media\.ready\(\)/);
    }
    try {
      media.getMeta();
    } catch (error) {
      expect(error).toBeInstanceOf(WechatpayError);
      expect((error as MediaError).code).toBe('EMEDIA_NOT_READY');
    }
  });

  it('setMeta(json) replaces the meta verbatim (wechatpay-php), even before the hash', async () => {
    const media = new MediaUtil(join(dir, 'logo.png'));
    const json = JSON.stringify({ file_name: 'logo.png', file_digest: 'B94D27', item_id: 56 });
    expect(media.setMeta(json)).toBe(media);
    expect(media.getMeta()).toBe(json);
    await media.ready();
    expect(media.getMeta()).toBe(json);
    media.setMeta();
    expect(media.getMeta()).toBe(`{"filename":"logo.png","sha256":"${sha256(png)}"}`);
  });

  it('setMeta({ ... }) adds fields after filename and sha256; a same-named field keeps its place', async () => {
    const media = await MediaUtil.from(join(dir, 'logo.png'));
    media.setMeta({ bank_type: 'LQT', filename: 'renamed.png' });
    expect(media.getMeta()).toBe(`{"filename":"renamed.png","sha256":"${sha256(png)}","bank_type":"LQT"}`);
    media.setMeta(null);
    expect(JSON.parse(media.getMeta())).toEqual({ filename: 'logo.png', sha256: sha256(png) });
  });

  it('setMeta refuses what is not a JSON object', () => {
    const media = new MediaUtil('a.png', png);
    for (const bad of ['{not json', '[1,2]', '"text"', 'null']) {
      expect(() => media.setMeta(bad)).toThrow(expect.objectContaining({ code: 'EMEDIA_META' }));
    }
    expect(() => media.setMeta(42 as never)).toThrow(expect.objectContaining({ code: 'EMEDIA_META' }));
    expect(() => media.setMeta([1] as never)).toThrow(expect.objectContaining({ code: 'EMEDIA_META' }));
  });

  it('maps extensions to the Content-Type wechatpay-php sends (guzzlehttp/psr7 MimeType), octet-stream otherwise; an option overrides', () => {
    expect(mediaContentType('a.jpg')).toBe('image/jpeg');
    expect(mediaContentType('a.JPEG')).toBe('image/jpeg');
    for (const [ext, type] of [['png', 'image/png'], ['bmp', 'image/bmp'], ['gif', 'image/gif'], ['webp', 'image/webp'],
      ['pdf', 'application/pdf'], ['csv', 'text/csv'],
      ['mp4', 'video/mp4'], ['avi', 'video/x-msvideo'], ['wmv', 'video/x-ms-wmv'], ['mpeg', 'video/mpeg'],
      ['mov', 'video/quicktime'], ['mkv', 'video/matroska'], ['flv', 'video/x-flv'], ['f4v', 'video/mp4'],
      ['m4v', 'video/x-m4v'], ['rmvb', 'application/vnd.rn-realmedia-vbr']]) {
      expect(mediaContentType(`x.${ext}`)).toBe(type);
    }
    // Not in Guzzle's table (wechatpay-php sends no Content-Type for it): the generic binary type.
    expect(mediaContentType('x.ofd')).toBe('application/octet-stream');
    expect(mediaContentType('noext')).toBe('application/octet-stream');
    expect(new MediaUtil('a.bin', png, { contentType: 'application/pdf' }).getFileContentType()).toBe('application/pdf');
    expect(new MediaUtil('a.bin', png, { filename: 'b.png' }).getFilename()).toBe('b.png');
  });

  it('refuses what is not a file source', async () => {
    expect(() => new MediaUtil('')).toThrow(expect.objectContaining({ code: 'EMEDIA_SOURCE' }));
    expect(() => new MediaUtil('a.png', 'text' as never)).toThrow(expect.objectContaining({ code: 'EMEDIA_SOURCE' }));
    expect(() => new MediaUtil('a.png', png, { filename: '' })).toThrow(expect.objectContaining({ code: 'EMEDIA_SOURCE' }));
    await expect(MediaUtil.from(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'EMEDIA_SOURCE', constructor: MediaError });
    await expect(MediaUtil.from(dir)).rejects.toMatchObject({ code: 'EMEDIA_SOURCE', message: expect.stringMatching(/not a file/) });
  });
});

describe('the multipart body', () => {
  async function bytesOf(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('has a meta part (application/json, the meta exactly) and a file part, CRLF framed, with an exact length', async () => {
    const media = await MediaUtil.from(join(dir, 'logo.png'));
    const body = await bytesOf(media.getStream());
    expect(body.length).toBe(media.getContentLength());
    const parts = parseMultipart(body, media.getContentType());
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatchObject({ name: 'meta', filename: undefined, headers: { 'content-type': 'application/json' } });
    expect(parts[0]!.body.toString()).toBe(media.getMeta());
    expect(parts[1]).toMatchObject({ name: 'file', filename: 'logo.png', headers: { 'content-type': 'image/png' } });
    expect(parts[1]!.body.equals(png)).toBe(true);
    expect(body.toString('latin1')).toMatch(/^--[^\r\n]+\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application\/json\r\n\r\n\{/);
    expect(body.toString('latin1').endsWith(`--${media.getContentType().split('boundary=')[1]}--\r\n`)).toBe(true);
  });

  it('names the file part and adds plain fields after the meta when the endpoint wants them', async () => {
    const media = await MediaUtil.from('filea.jpg', png, { name: 'submission_file', fields: { item_id: 56, manage_record_id: '56' } });
    media.setMeta({ file_name: 'filea.jpg', file_digest: media.getSha256().toUpperCase() });
    const body = await bytesOf(media.getStream());
    expect(body.length).toBe(media.getContentLength());
    const parts = parseMultipart(body, media.getContentType());
    expect(parts.map((p) => [p.name, p.filename, p.headers['content-type']])).toEqual([
      ['meta', undefined, 'application/json'],
      ['item_id', undefined, undefined],
      ['manage_record_id', undefined, undefined],
      ['submission_file', 'filea.jpg', 'image/jpeg'],
    ]);
    expect(parts.map((p) => p.body.toString('latin1')).slice(1, 3)).toEqual(['56', '56']);
    expect(parts[3]!.body.equals(png)).toBe(true);
  });

  it('writes an APIv2 form (the media part, then the fields as given) with its MD5 and exact length', async () => {
    const media = await MediaUtil.from('image.jpg', png);
    expect(media.getMd5()).toBe(createHash('md5').update(png).digest('hex'));
    const fields = { mch_id: '1900000109', media_hash: media.getMd5(), sign_type: 'MD5', sign: 'S'.repeat(32) };
    const { body, length } = media.getFormStream(fields);
    const bytes = await bytesOf(body);
    expect(bytes.length).toBe(length);
    const parts = parseMultipart(bytes, media.getContentType());
    expect(parts.map((p) => [p.name, p.filename, p.headers['content-type']])).toEqual([
      ['media', 'image.jpg', 'image/jpeg'], ['mch_id', undefined, undefined], ['media_hash', undefined, undefined],
      ['sign_type', undefined, undefined], ['sign', undefined, undefined],
    ]);
    expect(Object.fromEntries(parts.slice(1).map((p) => [p.name, p.body.toString()]))).toEqual(fields);
    expect(parts[0]!.body.equals(png)).toBe(true);
    expect(() => new MediaUtil('a.jpg', png).getMd5()).toThrow(expect.objectContaining({ code: 'EMEDIA_NOT_READY' }));
  });

  it('uses a fresh random boundary per media', () => {
    expect(new MediaUtil('a.png', png).getContentType()).not.toBe(new MediaUtil('a.png', png).getContentType());
  });

  it('names the file part after the meta filename, escaping quotes and line breaks', async () => {
    const media = await MediaUtil.from('a "b"\r\n.png', png);
    const parts = parseMultipart(await bytesOf(media.getBody()), media.getContentType());
    expect(parts[1]!.filename).toBe('a %22b%22%0D%0A.png');
    media.setMeta(JSON.stringify({ filename: 'c.png', sha256: media.getSha256() }));
    expect(parseMultipart(await bytesOf(media.getBody()), media.getContentType())[1]!.filename).toBe('c.png');
    media.setMeta(JSON.stringify({ file_name: 'c.png' }));
    expect(parseMultipart(await bytesOf(media.getBody()), media.getContentType())[1]!.filename).toBe('a "b"\r\n.png'.replace(/"/g, '%22').replace('\r\n', '%0D%0A'));
  });

  it('streams a file from disk in small chunks (never the whole file at once)', async () => {
    const big = join(dir, 'big.mp4');
    writeFileSync(big, randomBytes(3 * 1024 * 1024));
    const media = await MediaUtil.from(big);
    let largest = 0;
    let total = 0;
    for await (const chunk of media.getStream()) {
      largest = Math.max(largest, (chunk as Buffer).length);
      total += (chunk as Buffer).length;
    }
    expect(total).toBe(media.getContentLength());
    expect(largest).toBeLessThanOrEqual(64 * 1024);
  });

  it('is recognised by the client through multipartOf()', () => {
    const media = new MediaUtil('a.png', png);
    const stream = media.getStream();
    expect(multipartOf(stream)).toBe(media);
    expect(multipartOf(Readable.from(['x']))).toBeUndefined();
    expect(multipartOf({})).toBeUndefined();
    expect(multipartOf(null)).toBeUndefined();
    expect(multipartOf('a string')).toBeUndefined();
    stream.destroy();
  });
});

describe('uploads accepted by a platform that checks the meta against the file part', () => {
  async function upload(call: () => Promise<{ status: number; data: any }>) {
    const before = platform.requests.length;
    const response = await call();
    expect(platform.requests.length).toBe(before + 1);
    const request = platform.last;
    expect(uploadVerdict(request, platform.merchant.publicKey)).toMatchObject({ ok: true });
    return { response, request };
  }

  it('the short form: multipart: media (hashed by the client itself)', async () => {
    const media = new MediaUtil(join(dir, 'logo.png'));
    const { response, request } = await upload(() => client.v3.merchant.media.upload.post({ multipart: media }));
    expect(response.status).toBe(200);
    expect(response.data.media_id).toMatch(/^MEDIA_/);
    expect(request.headers['content-type']).toBe(media.getContentType());
    expect(Number(request.headers['content-length'])).toBe(request.body.length);
    expect(request.headers['transfer-encoding']).toBeUndefined();
    expect(request.authorized).toBe(false); // the body line is the meta, not the multipart bytes
  });

  it("wechatpay-php's form: body: media.getStream() with its Content-Type header", async () => {
    const media = new MediaUtil(pathToFileURL(join(dir, 'logo.png')).href);
    const { response, request } = await upload(() => client.v3.marketing.favor.media.imageUpload.post({
      body: media.getStream(),
      headers: { 'Content-Type': media.getContentType() },
    }));
    expect(request.target).toBe('/v3/marketing/favor/media/image-upload');
    expect(response.data.meta).toEqual({ filename: 'logo.png', sha256: sha256(png) });
    expect(request.headers['content-type']).toBe(media.getContentType());
  });

  it('the PHP form without the header still sends the multipart Content-Type', async () => {
    const media = await MediaUtil.from('x.png', png);
    const { request } = await upload(() => client.chain('v3/merchant/media/upload').post({ body: media.getStream() }));
    expect(request.headers['content-type']).toBe(media.getContentType());
  });

  it('an endpoint with extra meta fields: the signed meta is the one sent', async () => {
    const media = await MediaUtil.from(join(dir, 'logo.png'));
    media.setMeta({ bank_type: 'LQT' });
    const { response, request } = await upload(() => client.v3.merchant.media.upload.post({ multipart: media }));
    expect(response.data.meta).toEqual({ filename: 'logo.png', sha256: sha256(png), bank_type: 'LQT' });
    expect(parseMultipart(request.body, request.headers['content-type'])[0]!.body.toString()).toBe(media.getMeta());
  });

  it('a path is read from disk for each upload, so the same media can be sent again', async () => {
    const media = new MediaUtil(join(dir, 'logo.png'));
    await upload(() => client.v3.merchant.media.upload.post({ multipart: media }));
    await upload(() => client.v3.merchant.media.upload.post({ multipart: media }));
  });

  it('a stream is read once, hashed while spooled to a temporary file that is gone after the upload', async () => {
    const source = generated(5 * 1024 * 1024 + 3);
    const media = new MediaUtil('video.mp4', source.stream, { tmpdir: spoolDir });
    const sending = upload(() => client.v3.merchant.media.video_upload.post({ multipart: media }));
    const { response, request } = await sending;
    expect(request.target).toBe('/v3/merchant/media/video_upload');
    expect(response.data.meta).toEqual({ filename: 'video.mp4', sha256: source.sha256 });
    expect(parseMultipart(request.body, request.headers['content-type'])[1]!.headers['content-type']).toBe('video/mp4');
    expect(source.stream.readableEnded).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('a stream media is sent once: a second upload is refused before it reaches the platform', async () => {
    const media = new MediaUtil('again.png', Readable.from([png]), { tmpdir: spoolDir });
    await upload(() => client.v3.merchant.media.upload.post({ multipart: media }));
    const before = platform.requests.length;
    await expect(client.v3.merchant.media.upload.post({ multipart: media })).rejects.toMatchObject({ code: 'EMEDIA_CONSUMED', constructor: MediaError });
    expect(() => media.getStream()).toThrow(expect.objectContaining({ code: 'EMEDIA_CONSUMED' }));
    expect(platform.requests.length).toBe(before);
  });

  it('a body stream made before the first upload cannot replay it', async () => {
    const media = new MediaUtil('twice.png', Readable.from([png]), { tmpdir: spoolDir });
    const first = media.getStream();
    const second = media.getStream();
    await upload(() => client.v3.merchant.media.upload.post({ body: first }));
    const before = platform.requests.length;
    await expect(client.v3.merchant.media.upload.post({ body: second })).rejects.toMatchObject({ code: 'EMEDIA_CONSUMED' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = platform.requests.slice(before);
    expect(after.every((request) => !uploadVerdict(request, platform.merchant.publicKey).ok)).toBe(true);
  });

  it('a file changed after hashing is never sent as matching the signed meta', async () => {
    const path = join(dir, 'changing.png');
    writeFileSync(path, png);
    const media = await MediaUtil.from(path);
    writeFileSync(path, Buffer.from(png).fill(7, 0, 10));
    const before = platform.requests.length;
    await expect(client.v3.merchant.media.upload.post({ multipart: media }))
      .rejects.toMatchObject({ code: 'EMEDIA_CHANGED', constructor: MediaError, message: expect.stringMatching(/changed after it was hashed/) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = platform.requests.slice(before);
    expect(after.every((request) => !uploadVerdict(request, platform.merchant.publicKey).ok)).toBe(true);
  });

  it('a file that cannot be read fails before any request', async () => {
    const before = platform.requests.length;
    await expect(client.v3.merchant.media.upload.post({ multipart: new MediaUtil(join(dir, 'nope.png')) }))
      .rejects.toMatchObject({ code: 'EMEDIA_SOURCE' });
    expect(platform.requests.length).toBe(before);
  });

  it('a failing stream fails before any request and leaves no spooled file', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const before = platform.requests.length;
    await expect(client.v3.merchant.media.upload.post({ multipart: new MediaUtil('a.png', broken, { tmpdir: spoolDir }) }))
      .rejects.toMatchObject({ code: 'EMEDIA_SOURCE', message: expect.stringMatching(/disk on fire/) });
    expect(platform.requests.length).toBe(before);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('an empty file is a valid upload', async () => {
    const { response } = await upload(() => client.v3.merchant.media.upload.post({ multipart: new MediaUtil('empty.png', Buffer.alloc(0)) }));
    expect(response.data.meta).toEqual({ filename: 'empty.png', sha256: sha256('') });
  });

  it('the platform refuses a meta that does not match the file (the check is real)', async () => {
    const media = await MediaUtil.from('a.png', png);
    media.setMeta(JSON.stringify({ filename: 'a.png', sha256: sha256('something else') }));
    await expect(client.v3.merchant.media.upload.post({ multipart: media })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR' });
  });

  it('dispose() removes a spooled stream at once; the media cannot be sent afterwards', async () => {
    const media = await MediaUtil.from('a.png', Readable.from([png]), { tmpdir: spoolDir });
    expect(readdirSync(spoolDir)).toHaveLength(1);
    await media.dispose();
    await media.dispose();
    expect(readdirSync(spoolDir)).toEqual([]);
    await expect(client.v3.merchant.media.upload.post({ multipart: media })).rejects.toMatchObject({ code: 'EMEDIA_CONSUMED' });
  });

  it('a refused connection frees nothing it should keep: the spool stays for dispose()', async () => {
    const closed = Builder.factory(platform.config({ baseURL: 'http://127.0.0.1:9/' })) as AnyClient;
    const media = new MediaUtil('a.png', Readable.from([png]), { tmpdir: spoolDir });
    await expect(closed.v3.merchant.media.upload.post({ multipart: media })).rejects.toMatchObject({ code: 'EREQUEST_TRANSPORT' });
    await media.dispose();
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
