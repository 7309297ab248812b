/**
 * `sink`: wechatpay-php's documented download samples (wechatpay-php's docs pass Guzzle's `sink` option on
 * nine endpoints, each written in three styles, chained, declarative and by property, sync and async),
 * translated and run against the sandbox; then what a sink guarantees: atomic files, the endpoint's own
 * check (a bill's announced hash, a statement's SHA-1, an APIv2 FAIL answer), nothing left on failure.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import axios, { type AxiosAdapter } from 'axios';
import { Builder, type Client } from '../../lib/index.js';
import { ApiError, BillError, SinkError, VerificationError } from '../../lib/errors.js';
import { MediaUtil } from '../../lib/util/media.js';
import type { Sandbox } from '../../lib/sandbox/index.js';
import { rejected } from '../support/thrown.js';
import { withSandbox } from '../support/sandbox.js';
import { PNG } from './support.js';

let sandbox: Sandbox;
let client: Client;
let dir: string;
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const yyyymmdd = today.replace(/-/g, '');

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-sink-'));
  await client.v3.pay.transactions.native.post({ json: {
    appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'Coffee', out_trade_no: 'S1', notify_url: 'https://example.com/n',
    amount: { total: 1234, currency: 'CNY' },
  } });
  await sandbox.pay('S1');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files in the download folder (temporary ones included): nothing else may be left there. */
const files = (folder = dir) => readdirSync(folder).sort();
const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');
const fresh = () => mkdtempSync(join(dir, 'case-'));

type Node = Record<string, (options: never) => Promise<unknown>>;

/** The six ways wechatpay-php's docs write one call: chained, declarative, by property; sync and async. */
function styles(template: string, chained: () => unknown) {
  const verb = template.startsWith('v2/') ? 'post' : 'get';
  const call = (node: unknown, name: string) => (options: unknown) => (node as Node)[name]!(options as never);
  const declared = () => client.chain(template as 'v3/billdownload/file');
  const property = () => (client as unknown as Record<string, unknown>)[template];
  return [
    ['chained', call(chained(), verb)], ['chained async', call(chained(), `${verb}Async`)],
    ['chain()', call(declared(), verb)], ['chain() async', call(declared(), `${verb}Async`)],
    ['property', call(property(), verb)], ['property async', call(property(), `${verb}Async`)],
  ] as const;
}

describe('the documented sink samples, translated', () => {
  it('v3/billdownload/file: the gzip bill saved as is, its announced SHA-1 checked over the CSV', async () => {
    const { data: bill } = await client.v3.bill.tradebill.get({ query: { bill_date: today, tar_type: 'GZIP' } });
    const token = new URL(bill.download_url).searchParams.get('token')!;
    for (const [style, call] of styles('v3/billdownload/file', () => client.v3.billdownload.file as never)) {
      const sink = join(fresh(), 'somehowfile.csv.gz');
      const response = await call({ sink, query: { token, tartype: 'GZIP' } }) as { data: unknown; status: number };
      expect([style, response.status, response.data]).toEqual([style, 200, sink]);
      expect(sha1(gunzipSync(readFileSync(sink)))).toBe(bill.hash_value);
      expect(readdirSync(join(sink, '..'))).toEqual(['somehowfile.csv.gz']);
    }
  });

  it('v3/statements (through the domestic access point https://api.mch.weixin.qq.com/hk/) and v3/global/statements', async () => {
    const cases = [
      ['v3/statements', `${sandbox.baseURL}hk/`, () => client.chain('v3/statements') ],
      ['v3/global/statements', sandbox.baseURL, () => client.v3.global.statements ],
    ] as const;
    for (const [template, base, chained] of cases) {
      for (const [style, call] of styles(template, chained)) {
        const sink = join(fresh(), 'somehowfile.csv.gz');
        const response = await call({
          base_uri: base, sink, query: { date: '20180130', mchid: sandbox.config.mchid }, headers: { 'Accept-Encoding': 'gzip' },
        }) as { data: unknown; headers: Record<string, string> };
        expect([template, style, response.data]).toEqual([template, style, sink]);
        expect(sha1(readFileSync(sink))).toBe(response.headers['wechatpay-statement-sha1']);
      }
    }
  });

  it('v3/merchant-service/images/{media_id} and its overseas twin (with complaint_id)', async () => {
    const { data: uploaded } = await client.v3.merchantService.images.upload.post({ multipart: new MediaUtil('proof.png', PNG) });
    const mediaUrl = `https://api.mch.weixin.qq.com/v3/merchant-service/images/${encodeURIComponent(uploaded.media_id)}`;
    const segment = new URL(mediaUrl).pathname.slice(28);
    for (const [style, call] of styles('v3/merchant-service/images/{media_id}', () => client.v3.merchantService.images._media_id_ as never)) {
      const sink = join(fresh(), 'image.jpg');
      expect([style, (await call({ sink, media_id: decodeURIComponent(segment) }) as { data: unknown }).data]).toEqual([style, sink]);
      expect(readFileSync(sink).equals(PNG)).toBe(true);
    }
    const { data: overseas } = await client.v3.global.merchantService.images.upload.post({ multipart: new MediaUtil('proof.png', PNG) });
    for (const [style, call] of styles('v3/global/merchant-service/images/{media_id}', () => client.v3.global.merchantService.images._media_id_ as never)) {
      const sink = join(fresh(), 'image.jpg');
      await call({ base_uri: sandbox.baseURL, sink, media_id: overseas.media_id, query: { complaint_id: '200201820200101080076610000' } });
      expect([style, readFileSync(sink).equals(PNG)]).toEqual([style, true]);
    }
  });

  it('v3/transferdownload/signfile and elecvoucherfile: unsigned PDFs, no verifier to take out of the stack', async () => {
    const cases = [
      ['v3/transferdownload/signfile', () => client.v3.transferdownload.signfile as never, { token: 'X8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuD' }],
      ['v3/transferdownload/elecvoucherfile', () => client.v3.transferdownload.elecvoucherfile as never, { token: 'X8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuD', source: 'elecsign' }],
    ] as const;
    for (const [template, chained, query] of cases) {
      for (const [style, call] of styles(template, chained)) {
        const sink = join(fresh(), 'saved-sign-file.pdf');
        await call({ sink, query });
        expect([template, style, readFileSync(sink).subarray(0, 5).toString()]).toEqual([template, style, '%PDF-']);
      }
    }
  });

  it('v2/pay/downloadbill and v2/pay/downloadfundflow (HMAC-SHA256): the gzip bill saved as is', async () => {
    // The PHP sample's `security: true` is implied: downloadfundflow needs the certificate (x-api-cert-required), so
    // the SDK turns mutual TLS on by itself; said explicitly over the sandbox's plain HTTP, it would be refused.
    const cases = [
      ['v2/pay/downloadbill', () => client.v2.pay.downloadbill as never,
        { xml: { appid: 'wx8888888888888888', mch_id: sandbox.config.mchid, bill_date: yyyymmdd, bill_type: 'ALL', tar_type: 'GZIP' } }],
      ['v2/pay/downloadfundflow', () => client.v2.pay.downloadfundflow as never, { xml: {
        appid: 'wx8888888888888888', mch_id: sandbox.config.mchid, sign_type: 'HMAC-SHA256', bill_date: yyyymmdd, account_type: 'Basic', tar_type: 'GZIP',
      } }],
    ] as const;
    for (const [template, chained, options] of cases) {
      for (const [style, call] of styles(template, chained)) {
        const sink = join(fresh(), 'somehowfile.csv.gz');
        expect([template, style, (await call({ sink, ...options }) as { data: unknown }).data]).toEqual([template, style, sink]);
        expect(gunzipSync(readFileSync(sink)).toString('utf8')).toMatch(/^(交易时间|记账时间),/);
      }
    }
  });
});

describe('what a sink guarantees', () => {
  it('takes a file: URL and a Writable (data undefined), and resolves a typed response', async () => {
    const { data: bill } = await client.v3.bill.tradebill.get({ query: { bill_date: today } });
    const query = { token: new URL(bill.download_url).searchParams.get('token')! };
    const url = pathToFileURL(join(fresh(), 'bill.csv'));
    const saved = await client.v3.billdownload.file.get({ sink: url, query });
    const path: string = saved.data;
    expect(sha1(readFileSync(path))).toBe(bill.hash_value);
    const chunks: Buffer[] = [];
    const into = new Writable({
      write(chunk: Buffer, _encoding, next) {
        chunks.push(chunk);
        next();
      },
    });
    const streamed = await client.v3.billdownload.file.get({ sink: into, query });
    const none: undefined = streamed.data;
    expect([none, into.writableFinished, sha1(Buffer.concat(chunks))]).toEqual([undefined, true, bill.hash_value]);
    // without a sink, the same call still resolves the file as data
    expect(sha1((await client.v3.billdownload.file.get({ query })).data)).toBe(bill.hash_value);
  });

  it('replaces an existing file only once the new one is complete and checked', async () => {
    const folder = fresh();
    const sink = join(folder, 'bill.csv');
    writeFileSync(sink, 'the previous bill');
    const tampering = withAdapter(corrupting);
    const { data: bill } = await tampering.v3.bill.tradebill.get({ query: { bill_date: today } });
    const query = { token: new URL(bill.download_url).searchParams.get('token')! };
    expect(await rejected(tampering.v3.billdownload.file.get({ sink, query }))).toMatchObject({ code: 'EBILL_HASH' });
    expect([readFileSync(sink, 'utf8'), files(folder)]).toEqual(['the previous bill', ['bill.csv']]);
    await client.v3.billdownload.file.get({ sink, query });
    expect(sha1(readFileSync(sink))).toBe(bill.hash_value);
    expect(files(folder)).toEqual(['bill.csv']);
  });

  it('a bill whose bytes are not the ones announced is refused (EBILL_HASH), leaving no file; gzip or not', async () => {
    for (const tar of [{}, { tar_type: 'GZIP' as const }]) {
      const tampering = withAdapter(corrupting);
      const { data: bill } = await tampering.v3.bill.tradebill.get({ query: { bill_date: today, ...tar } });
      const url = new URL(bill.download_url);
      const folder = fresh();
      const error = await rejected(tampering.v3.billdownload.file.get({ sink: join(folder, 'bill.csv'), query: Object.fromEntries(url.searchParams) as { token: string } }));
      expect(error).toBeInstanceOf(BillError);
      expect(error).toMatchObject({ code: (tar as { tar_type?: string }).tar_type ? expect.stringMatching(/^EBILL_(HASH|GZIP)$/) : 'EBILL_HASH' });
      expect(files(folder)).toEqual([]);
    }
  });

  it('an overseas statement whose body is not its signed SHA-1 is refused (EV3_RES_STATEMENT_SHA1), leaving no file', async () => {
    const folder = fresh();
    const error = await rejected(withAdapter(corrupting).v3.global.statements.get({ sink: join(folder, 's.csv'), query: { date: '20180130' } }));
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code: 'EV3_RES_STATEMENT_SHA1' });
    expect(files(folder)).toEqual([]);
  });

  it('an APIv2 FAIL answer is an ApiError and leaves no file (nor touches a Writable)', async () => {
    const folder = fresh();
    const xml = { appid: 'wx8888888888888888', mch_id: sandbox.config.mchid, bill_date: '29990101', bill_type: 'ALL' as const };
    const error = await rejected(client.v2.pay.downloadbill.post({ sink: join(folder, 'bill.csv'), xml }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'FAIL', message: expect.stringMatching(/after today/) });
    const into = new PassThrough();
    await expect(client.v2.pay.downloadbill.post({ sink: into, xml })).rejects.toBeInstanceOf(ApiError);
    expect([into.destroyed, into.writableEnded]).toEqual([false, false]);
    expect(files(folder)).toEqual([]);
  });

  it('an error status, a folder that does not exist, a failing Writable, a broken connection, an abort: typed errors, nothing left', async () => {
    const folder = fresh();
    await expect(client.v3.merchantService.images._media_id_.get({ sink: join(folder, 'x.png'), media_id: 'NOPE.png' })).rejects.toMatchObject({ status: 404 });
    const { data: uploaded } = await client.v3.merchantService.images.upload.post({ multipart: new MediaUtil('proof.png', PNG) });
    const image = { media_id: uploaded.media_id };
    const missing = join(folder, 'no', 'such', 'folder', 'x.png');
    await expect(client.v3.merchantService.images._media_id_.get({ sink: missing, ...image })).rejects.toMatchObject({ code: 'ESINK_WRITE', path: missing });
    const failing = new Writable({ write: (_chunk, _encoding, next) => next(new Error('disk full')) });
    const writeError = await rejected(client.v3.merchantService.images._media_id_.get({ sink: failing, ...image }));
    expect(writeError).toBeInstanceOf(SinkError);
    expect(writeError).toMatchObject({ code: 'ESINK_WRITE', message: expect.stringMatching(/disk full/) });
    const broken = await rejected(withAdapter(breaking).v3.merchantService.images._media_id_.get({ sink: join(folder, 'x.png'), ...image }));
    expect(broken).toMatchObject({ code: 'ESINK_STREAM' });
    const controller = new AbortController();
    const aborted = withAdapter(stalling(() => controller.abort())).v3.merchantService.images._media_id_.get({ sink: join(folder, 'x.png'), ...image, signal: controller.signal });
    // Aborted before the file is opened (the call's own abort) or while it streams (the sink's): both typed, nothing left.
    expect(['ESINK_ABORTED', 'EREQUEST_ABORTED']).toContain((await rejected(aborted) as { code?: string }).code);
    expect(files(folder)).toEqual([]);
  });

  it('a signed answer given a sink is verified whole, then written as received', async () => {
    const sink = join(fresh(), 'order.json');
    await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'S1', query: { mchid: sandbox.config.mchid }, sink } as never);
    expect(JSON.parse(readFileSync(sink, 'utf8'))).toMatchObject({ out_trade_no: 'S1', trade_state: 'SUCCESS' });
  });

  it('a signed answer given a sink is read within maxContentLength, as any buffered answer (it is verified whole first)', async () => {
    const sink = join(fresh(), 'order.json');
    const call = client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'S1', query: { mchid: sandbox.config.mchid }, sink, maxContentLength: 64 } as never);
    expect(await rejected(call)).toMatchObject({ code: 'EREQUEST_ANSWER_TOO_LARGE' });
    expect(files(dirname(sink))).toEqual([]);
  });

  it('refuses a sink that is neither a path, a file: URL nor a Writable, and sink with responseType, before sending', async () => {
    sandbox.clearRequests();
    for (const sink of ['', 42, new URL('https://example.com/x'), {}, { path: join(dir, 'x'), overwrite: 'yes' }, { path: join(dir, 'x'), mode: 1 }]) {
      await expect(client.v3.transferdownload.signfile.get({ sink: sink as never, query: { token: 't' } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    }
    await expect(client.v3.transferdownload.signfile.get({ sink: join(dir, 'x'), responseType: 'stream', query: { token: 't' } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    expect(sandbox.requests).toEqual([]);
  });
});

describe('a sink among files it did not write', () => {
  it('refuses a read-only file at its path before sending (ESINK_READ_ONLY), and replaces it given overwrite: true', async () => {
    const folder = fresh();
    const sink = join(folder, 'order.json');
    writeFileSync(sink, 'kept');
    chmodSync(sink, 0o444);
    const call = (given: unknown) => client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'S1', query: { mchid: sandbox.config.mchid }, sink: given } as never);
    sandbox.clearRequests();
    const refused = await rejected(call(sink));
    expect(refused).toBeInstanceOf(SinkError);
    expect(refused).toMatchObject({ code: 'ESINK_READ_ONLY', path: sink });
    expect(await rejected(call(pathToFileURL(sink)))).toMatchObject({ code: 'ESINK_READ_ONLY' });
    expect(await rejected(call({ path: sink }))).toMatchObject({ code: 'ESINK_READ_ONLY' });
    expect([sandbox.requests, readFileSync(sink, 'utf8')]).toEqual([[], 'kept']);
    const { data } = await call({ path: sink, overwrite: true }) as unknown as { data: string };
    expect(data).toBe(sink);
    expect(JSON.parse(readFileSync(sink, 'utf8'))).toMatchObject({ out_trade_no: 'S1' });
    // a writable file is replaced as before, without asking
    chmodSync(sink, 0o644);
    await call(sink);
    expect(files(folder)).toEqual(['order.json']);
  });

  it('removes temporary files of downloads that died mid-way, once stale; keeps fresh ones and files not of its naming', async () => {
    const folder = fresh();
    const hourAgo = (Date.now() - 3700_000) / 1000;
    const stale = ['.bill.csv.0123456789ab.partial', '.other.gz.abcdefabcdef.partial'];
    const kept = ['.bill.csv.aaaaaaaaaaaa.partial', '.bill.csv.partial', 'bill.0123456789ab.partial', '.x.0123456789AB.partial'];
    for (const name of [...stale, ...kept]) writeFileSync(join(folder, name), 'half a file');
    for (const name of [...stale, ...kept.slice(1)]) utimesSync(join(folder, name), hourAgo, hourAgo);
    await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'S1', query: { mchid: sandbox.config.mchid }, sink: join(folder, 'order.json') } as never);
    expect(files(folder)).toEqual([...kept, 'order.json'].sort());
  });
});

/** A client of the sandbox whose answers pass through `tamper` on the way back (a man in the middle, after the SDK's send guard). */
function withAdapter(tamper: (body: Readable) => Readable): Client {
  const http = axios.getAdapter('http');
  const adapter: AxiosAdapter = async (config) => {
    const response = await http(config);
    // Only file downloads are tampered with (every answer reaches the adapter's caller as a stream).
    const download = /\/(billdownload\/|merchant-service\/images\/(?!upload)|transferdownload\/|statements)/.test(new URL(config.url ?? '').pathname);
    if (download && response.data && typeof (response.data as Readable).pipe === 'function') response.data = tamper(response.data as Readable);
    return response;
  };
  return Builder.factory({ ...sandbox.config, adapter });
}

/** Flips a bit of the last byte of a streamed answer (buffered answers pass as they are). */
function corrupting(body: Readable): Readable {
  let last: Buffer | undefined;
  return body.pipe(new Transform({
    transform(chunk: Buffer, _encoding, next) {
      if (last) this.push(last);
      last = Buffer.from(chunk);
      next();
    },
    flush(next) {
      if (last) {
        last[last.length - 1]! ^= 0x01;
        this.push(last);
      }
      next();
    },
  }));
}

/** Lets the first bytes through, then fails like a lost connection. */
function breaking(body: Readable): Readable {
  return body.pipe(new Transform({
    transform(chunk: Buffer, _encoding, next) {
      next(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), chunk.subarray(0, 1));
    },
  }));
}

/** Lets the first bytes through, calls `then`, and never ends. */
function stalling(then: () => void): (body: Readable) => Readable {
  return (body) => body.pipe(new Transform({
    transform(chunk: Buffer, _encoding, next) {
      next(null, chunk.subarray(0, 1));
      setImmediate(then);
    },
    flush() {
      // never ends
    },
  }));
}

