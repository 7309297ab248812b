import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { parseBill } from '../../lib/helpers/bill-csv.js';
import { downloadBill, openBill, type BillProgress } from '../../lib/helpers/bill.js';
import { Builder } from '../../lib/core/builder.js';
import { ApiError, BillError, WechatpayError } from '../../lib/errors.js';
import { BillServer, tradeBill, tradeBillBytes, type ServedFile } from '../support/bill-server.js';
import { Platform } from '../support/platform.js';

type AnyClient = any;
const server = new BillServer();
let client: AnyClient;
let dir: string;
let serial = 0;

const digest = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');
const plain = tradeBillBytes(12_000); // ~3 MB
const gzipped = gzipSync(plain);

/** Serves `body` under a fresh token; the answer names the real platform host, which must not be contacted. */
function serve(body: ServedFile['body'], options: Omit<ServedFile, 'body'> & { hashOf?: Buffer; hashType?: string; hashValue?: string } = {}) {
  const token = `T${++serial}_${randomBytes(6).toString('base64url')}`;
  const { hashOf = plain, hashType = 'SHA1', hashValue, ...file } = options;
  server.files.set(token, { body, ...file });
  return {
    hash_type: hashType,
    hash_value: hashValue ?? digest(hashType === 'SHA256' ? 'sha256' : 'sha1', hashOf),
    download_url: `https://api.mch.weixin.qq.com/v3/billdownload/file?token=${token}`,
  };
}

function destination(name = 'bill.csv') {
  return join(mkdtempSync(join(dir, 'out-')), name);
}

/** Nothing at the destination, nor a partial file beside it. */
function nothingAt(path: string) {
  expect(existsSync(path)).toBe(false);
  expect(readdirSync(join(path, '..'))).toEqual([]);
}

beforeAll(async () => {
  await server.start();
  client = Builder.factory(new Platform().config({ baseURL: server.baseURL }));
  dir = mkdtempSync(join(tmpdir(), 'bill-spec-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('downloadBill to a file', () => {
  it('downloads a plain bill with a signed GET of the URL path through the client, verifying its SHA1', async () => {
    const answer = serve(plain);
    const to = destination();
    const before = server.downloads.length;
    const result = await downloadBill(client, answer, { to });
    expect(result).toEqual({ hashType: 'SHA1', hash: answer.hash_value, bytes: plain.length, received: plain.length, gunzipped: false, path: to });
    expect(readFileSync(to).equals(plain)).toBe(true);
    expect(readdirSync(join(to, '..'))).toEqual(['bill.csv']);
    expect(server.downloads.length).toBe(before + 1);
    const request = server.downloads.at(-1)!;
    expect(request.authorized).toBe(true);
    expect(request.target).toBe(new URL(answer.download_url).pathname + new URL(answer.download_url).search);
  });

  it('gunzips a gzip bill (detected by its magic bytes) and verifies the hash over the decompressed bytes', async () => {
    const answer = serve(gzipped, { headers: { 'Content-Type': 'application/x-gzip' } });
    const to = destination();
    const progress: BillProgress[] = [];
    const result = await downloadBill(client, answer, { to, onProgress: (step) => progress.push(step) });
    expect(result).toMatchObject({ gunzipped: true, bytes: plain.length, received: gzipped.length });
    expect(readFileSync(to).equals(plain)).toBe(true);
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.received).toBeGreaterThanOrEqual(progress[i - 1]!.received);
      expect(progress[i]!.decompressed).toBeGreaterThanOrEqual(progress[i - 1]!.decompressed);
    }
    expect(progress.at(-1)).toEqual({ received: gzipped.length, total: gzipped.length, decompressed: plain.length });
  });

  it('gunzip: true asks for it; gunzip: false hashes the gzip bytes themselves, so the hash fails', async () => {
    await expect(downloadBill(client, serve(gzipped), { to: destination(), gunzip: true })).resolves.toMatchObject({ gunzipped: true });
    const to = destination();
    await expect(downloadBill(client, serve(gzipped), { to, gunzip: false })).rejects.toMatchObject({ code: 'EBILL_HASH' });
    nothingAt(to);
    await expect(downloadBill(client, serve(plain), { to, gunzip: true })).rejects.toMatchObject({ code: 'EBILL_GZIP', constructor: BillError });
    nothingAt(to);
  });

  it('takes SHA256, any hex case, and SHA1 when hash_type is missing', async () => {
    await expect(downloadBill(client, serve(plain, { hashType: 'SHA256' }), { to: destination() }))
      .resolves.toMatchObject({ hashType: 'SHA256', hash: digest('sha256', plain) });
    const upper = serve(plain, { hashValue: digest('sha1', plain).toUpperCase() });
    await expect(downloadBill(client, upper, { to: destination() })).resolves.toMatchObject({ hash: digest('sha1', plain) });
    const { hash_type: _omitted, ...untyped } = serve(plain);
    await expect(downloadBill(client, untyped, { to: destination() })).resolves.toMatchObject({ hashType: 'SHA1' });
  });

  it('a corrupted bill is an error naming both hashes, and leaves no file (nor a .partial)', async () => {
    const corrupted = Buffer.from(plain);
    corrupted[corrupted.length >> 1]! ^= 0x01;
    const answer = serve(corrupted);
    const to = destination();
    const error = await downloadBill(client, answer, { to }).then(() => undefined, (e: unknown) => e as BillError);
    expect(error).toBeInstanceOf(BillError);
    expect(error).toBeInstanceOf(WechatpayError);
    expect(error).toMatchObject({ code: 'EBILL_HASH', hashType: 'SHA1', expected: answer.hash_value, actual: digest('sha1', corrupted) });
    expect(error!.message).toContain(answer.hash_value);
    expect(error!.toJSON()).toMatchObject({ code: 'EBILL_HASH', expected: answer.hash_value, actual: digest('sha1', corrupted) });
    nothingAt(to);
  });

  it('a corrupted gzip bill fails (gzip check or hash), and leaves no file', async () => {
    for (const at of [20, gzipped.length >> 1, gzipped.length - 6]) {
      const corrupted = Buffer.from(gzipped);
      corrupted[at]! ^= 0xff;
      const to = destination();
      await expect(downloadBill(client, serve(corrupted), { to })).rejects.toMatchObject({ code: expect.stringMatching(/^EBILL_(GZIP|HASH)$/) });
      nothingAt(to);
    }
  });

  it('a gzip bill whose content differs from the announced one fails on the hash', async () => {
    const other = gzipSync(tradeBillBytes(100, 7));
    const to = destination();
    await expect(downloadBill(client, serve(other), { to })).rejects.toMatchObject({ code: 'EBILL_HASH' });
    nothingAt(to);
  });

  it('a connection cut short fails and leaves no file', async () => {
    for (const body of [plain, gzipped]) {
      const to = destination();
      const error = await downloadBill(client, serve(body, { cutAfter: body.length >> 1 }), { to }).then(() => undefined, (e: unknown) => e as BillError);
      expect(error).toBeInstanceOf(BillError);
      expect(['EBILL_DOWNLOAD', 'EBILL_GZIP', 'EBILL_HASH']).toContain(error!.code);
      nothingAt(to);
    }
  });

  it('undoes a transport Content-Encoding before looking at the bill (also with a gzip bill inside)', async () => {
    // Compressed first: a long synchronous compression between two downloads would outlast the server's keep-alive.
    // Brotli at quality 5, not its default 11: the same format to decode, in a fraction of a second instead of many.
    const brotli = brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    const encoded = [['deflate', deflateSync(plain)], ['br', brotli], ['identity', plain]] as const;
    const transport = await downloadBill(client, serve(gzipSync(plain), { headers: { 'Content-Encoding': 'gzip' } }), { to: destination() });
    expect(transport).toMatchObject({ gunzipped: false, bytes: plain.length });
    for (const [encoding, body] of encoded) {
      await expect(downloadBill(client, serve(body, { headers: { 'Content-Encoding': encoding } }), { to: destination() }))
        .resolves.toMatchObject({ bytes: plain.length, received: body.length });
    }
    const both = await downloadBill(client, serve(gzipSync(gzipped), { headers: { 'Content-Encoding': 'gzip' } }), { to: destination() });
    expect(both).toMatchObject({ gunzipped: true, bytes: plain.length });
    const to = destination();
    await expect(downloadBill(client, serve(plain, { headers: { 'Content-Encoding': 'zstd' } }), { to })).rejects.toMatchObject({ code: 'EBILL_DOWNLOAD' });
    nothingAt(to);
  }, 60_000);

  it('an empty bill (and a one-byte one) is still verified', async () => {
    const empty = Buffer.alloc(0);
    await expect(downloadBill(client, serve(empty, { hashOf: empty }), { to: destination() })).resolves.toMatchObject({ bytes: 0, gunzipped: false });
    const one = Buffer.from('x');
    await expect(downloadBill(client, serve(one, { hashOf: one }), { to: destination() })).resolves.toMatchObject({ bytes: 1 });
  });

  it('takes a file:// URL, and the answer as the whole response of v3/bill/tradebill', async () => {
    server.answers.set('2024-06-01', serve(gzipped));
    const response = await client.v3.bill.tradebill.get({ query: { bill_date: '2024-06-01', tar_type: 'GZIP' } });
    const to = destination('trade.csv');
    const result = await downloadBill(client, response, { to: pathToFileURL(to) });
    expect(result.path).toBe(to);
    expect(readFileSync(to).equals(plain)).toBe(true);
  });

  it('an error answer of the download passes through as the ApiError it is', async () => {
    const to = destination();
    const missing = { hash_type: 'SHA1', hash_value: digest('sha1', plain), download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=nope' };
    await expect(downloadBill(client, missing, { to })).rejects.toMatchObject({ constructor: ApiError, status: 404, code: 'RESOURCE_NOT_EXISTS' });
    nothingAt(to);
  });

  it('a destination that cannot be written fails before anything is downloaded', async () => {
    const before = server.downloads.length;
    await expect(downloadBill(client, serve(plain), { to: join(dir, 'no', 'such', 'dir', 'bill.csv') })).rejects.toMatchObject({ code: 'EBILL_DOWNLOAD' });
    expect(server.downloads.length).toBe(before);
    await expect(downloadBill(client, serve(plain), { to: 42 as never })).rejects.toMatchObject({ code: 'EBILL_DOWNLOAD' });
  });

  it('an AbortSignal stops it, and leaves no file', async () => {
    const to = destination();
    const controller = new AbortController();
    const slow = () => new Readable({
      read() {
        setTimeout(() => this.push(plain.subarray(0, 1024)), 5);
      },
    });
    const download = downloadBill(client, serve(slow), { to, signal: controller.signal, onProgress: (step) => {
      if (step.received > 8 * 1024) controller.abort();
    } });
    await expect(download).rejects.toMatchObject({ code: 'EBILL_ABORTED', constructor: BillError });
    nothingAt(to);
    const early = new AbortController();
    early.abort();
    await expect(downloadBill(client, serve(plain), { to, signal: early.signal })).rejects.toMatchObject({ code: 'EBILL_ABORTED' });
    nothingAt(to);
  });

  it('a progress callback that throws stops the download', async () => {
    const to = destination();
    await expect(downloadBill(client, serve(plain), { to, onProgress: () => {
      throw new Error('no more');
    } })).rejects.toMatchObject({ code: 'EBILL_DOWNLOAD', message: expect.stringContaining('no more') });
    nothingAt(to);
  });
});

describe('downloadBill to a Writable', () => {
  function sink() {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    return { stream, bytes: () => Buffer.concat(chunks) };
  }

  it('writes the bill and ends the stream once the hash matched', async () => {
    const target = sink();
    await downloadBill(client, serve(gzipped), { to: target.stream });
    expect(target.bytes().equals(plain)).toBe(true);
    expect(target.stream.writableFinished).toBe(true);
  });

  it('destroys the stream with the error when the hash does not match (it never sees a clean end)', async () => {
    const target = sink();
    const corrupted = Buffer.from(plain);
    corrupted[10]! ^= 0x01;
    await expect(downloadBill(client, serve(corrupted), { to: target.stream })).rejects.toMatchObject({ code: 'EBILL_HASH' });
    expect(target.stream.writableFinished).toBe(false);
    expect(target.stream.destroyed).toBe(true);
  });
});

describe('openBill: a verified stream', () => {
  it('feeds parseBill while downloading: rows as they come, the summary last', async () => {
    let rows = 0;
    let summary: Record<string, string> | undefined;
    for await (const record of parseBill(await openBill(client, serve(gzipped)))) {
      if (record.type === 'row') rows += 1;
      if (record.type === 'summary') summary = record.fields;
    }
    expect(rows).toBe(12_000);
    expect(summary?.['总交易单数']).toBe('12000');
  });

  it('fails at the end when the hash does not match, after the rows were read', async () => {
    const corrupted = Buffer.from(plain);
    corrupted[plain.length - 40]! ^= 0x01;
    let rows = 0;
    const reading = (async () => {
      for await (const record of parseBill(await openBill(client, serve(corrupted)))) if (record.type === 'row') rows += 1;
    })();
    await expect(reading).rejects.toMatchObject({ code: 'EBILL_HASH' });
    expect(rows).toBeGreaterThan(11_000);
  });

  it('is pulled, not pushed: a reader that stops early stops the download', async () => {
    const big = () => tradeBill(400_000);
    const stream = await openBill(client, serve(big, { hashValue: 'ab'.repeat(20) }));
    for await (const _chunk of stream) break;
    expect(stream.destroyed).toBe(true);
  });

  it('an AbortSignal fails the stream with EBILL_ABORTED', async () => {
    const controller = new AbortController();
    const stream = await openBill(client, serve(() => tradeBill(400_000), { hashValue: 'ab'.repeat(20) }), { signal: controller.signal });
    const reading = (async () => {
      let seen = 0;
      for await (const chunk of stream) {
        seen += (chunk as Buffer).length;
        if (seen > 100_000) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'EBILL_ABORTED' });
  });
});

describe('the answer is checked before anything is sent', () => {
  it.each([
    ['no answer', undefined, /needs the answer/],
    ['no hash_value', { hash_type: 'SHA1', download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=a' }, /no hash_value/],
    ['a hash_value that is not hex', { hash_value: 'zz', download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=a' }, /no hash_value/],
    ['an unknown hash_type', { hash_type: 'MD5', hash_value: 'ab', download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=a' }, /MD5 is not supported/],
    ['no download_url', { hash_value: 'ab' }, /no download_url/],
    ['a URL that is not a bill download', { hash_value: 'ab', download_url: 'https://api.mch.weixin.qq.com/v3/pay/transactions/id/1' }, /not a bill download/],
    ['a URL that does not parse', { hash_value: 'ab', download_url: 'http://[::1' }, /not a URL/],
  ])('%s', async (_name, answer, message) => {
    const before = server.downloads.length;
    await expect(downloadBill(client, answer as never, { to: destination() })).rejects.toMatchObject({ code: 'EBILL_ANSWER', message: expect.stringMatching(message) });
    await expect(openBill(client, answer as never)).rejects.toMatchObject({ code: 'EBILL_ANSWER' });
    expect(server.downloads.length).toBe(before);
  });

  it('keeps the query byte for byte, braces escaped so they are never read as a template', async () => {
    const answer = serve(plain);
    const url = new URL(answer.download_url);
    const token = url.searchParams.get('token')!;
    server.files.set('a+b/c{d}', server.files.get(token)!);
    const odd = { ...answer, download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=a%2Bb%2Fc%7Bd%7D&x=1+2' };
    await downloadBill(client, odd, { to: destination() });
    expect(server.downloads.at(-1)!.target).toBe('/v3/billdownload/file?token=a%2Bb%2Fc%7Bd%7D&x=1+2');
    const braces = { ...answer, download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=a+b/c{d}' };
    await expect(downloadBill(client, braces, { to: destination() })).rejects.toMatchObject({ status: 404 });
    expect(server.downloads.at(-1)!.target).toBe('/v3/billdownload/file?token=a+b/c%7Bd%7D');
  });

  it('refuses a client whose responses are transformed into something other than a stream', async () => {
    const transformed = Builder.factory(new Platform().config({ baseURL: server.baseURL, transformResponse: [() => 'text'] })) as AnyClient;
    await expect(downloadBill(transformed, serve(plain), { to: destination() })).rejects.toMatchObject({ code: 'EBILL_DOWNLOAD', message: expect.stringMatching(/did not answer with a stream/) });
  });
});

it('writes a bill file readable by the owner only', async () => {
  const to = destination();
  await downloadBill(client, serve(plain), { to });
  expect(statSync(to).mode & 0o777).toBe(0o600);
});
