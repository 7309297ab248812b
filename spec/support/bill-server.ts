/**
 * A stand-in for the platform's bill endpoints, written with node:http and node:crypto only (none of the
 * SDK's helpers): `GET /v3/bill/tradebill|fundflowbill` answer signed JSON, and
 * `GET /v3/billdownload/file?token=...` streams the bill unsigned after checking the request signature.
 * Also a generator of trade bills shaped as the platform's (ALL type), of any size, produced lazily.
 */
import { verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { keyPair, MCHID, MERCHANT_SERIAL, parseAuthorization, Platform } from './platform.js';

/** The data header of an ALL-type trade bill, as the platform writes it. */
export const TRADE_HEADER = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型',
  '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
];
/** The summary header of a trade bill. */
export const TRADE_SUMMARY_HEADER = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'];

const BANKS = ['OTHERS', 'CMB_CREDIT', 'ICBC_DEBIT', 'CCB_DEBIT', 'CFT'];
const GOODS = ['商品', 'Image形象店-深圳腾大-QQ公仔', '会员月卡', 'Coffee 大杯', '停车费'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const yuan = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
/** Fees are written with five decimals; kept as integers of 0.00001 yuan. */
const fee5 = (units: number) => `${Math.floor(units / 100000)}.${String(units % 100000).padStart(5, '0')}`;

/** The lines (CRLF-terminated, the first with a BOM) of a deterministic trade bill with `rows` data rows. */
export function* tradeBillLines(rows: number, seed = 1): Generator<string> {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const digits = (count: number) => {
    let out = '';
    while (out.length < count) out += String(next() % 1_000_000_000).padStart(9, '0');
    return out.slice(0, count);
  };
  const token = (count: number) => {
    let out = '';
    for (let i = 0; i < count; i++) out += ALPHABET[next() & 63];
    return out;
  };
  let settled = 0;
  let fees = 0;
  let orders = 0;
  yield `\uFEFF${TRADE_HEADER.join(',')}\r\n`;
  for (let row = 0; row < rows; row++) {
    const seconds = row % 86_400;
    const time = `2024-06-01 ${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
    const cents = 1 + (next() % 500_000);
    const fee = cents * 6; // 0.60%, in units of 0.00001 yuan
    settled += cents;
    fees += fee;
    orders += cents;
    const values = [
      time, 'wx2421b1c4370ec43b', '1900000109', '0', '', `42000019${digits(20)}`, `T${digits(15)}`, `o${token(27)}`,
      'JSAPI', 'SUCCESS', BANKS[next() % BANKS.length]!, 'CNY', yuan(cents), '0.00', '0', '0', '0.00', '0.00', '', '',
      GOODS[next() % GOODS.length]!, row % 7 === 0 ? `attach-${token(8)}` : '', fee5(fee), '0.60%', yuan(cents), '0.00', '',
    ];
    yield `${values.map((value) => `\`${value}`).join(',')}\r\n`;
  }
  yield `${TRADE_SUMMARY_HEADER.join(',')}\r\n`;
  yield `${[String(rows), yuan(settled), '0.00', '0.00', fee5(fees), yuan(orders), '0.00'].map((value) => `\`${value}`).join(',')}\r\n`;
}

/** A trade bill as a stream of ~64 KiB chunks, produced only as fast as it is read. */
export function tradeBill(rows: number, seed = 1): Readable {
  const lines = tradeBillLines(rows, seed);
  return new Readable({
    read() {
      let text = '';
      while (text.length < 32_768) {
        const line = lines.next();
        if (line.done) break;
        text += line.value;
      }
      this.push(text === '' ? null : Buffer.from(text, 'utf8'));
    },
  });
}

/** A small trade bill, whole. */
export function tradeBillBytes(rows: number, seed = 1): Buffer {
  return Buffer.from([...tradeBillLines(rows, seed)].join(''), 'utf8');
}

export interface ServedFile {
  /** The response body: bytes, or a fresh stream for each download. */
  body: Buffer | (() => Readable);
  /** Extra response headers (Content-Type defaults to application/octet-stream). */
  headers?: Record<string, string>;
  /** Send Content-Length (the default for Buffer bodies). */
  length?: number;
  /** Cut the connection after this many body bytes. */
  cutAfter?: number;
}

export interface DownloadRequest {
  target: string;
  authorized: boolean;
  headers: IncomingMessage['headers'];
}

export class BillServer {
  /** Files by download token. */
  readonly files = new Map<string, ServedFile>();
  /** Answers of `v3/bill/tradebill|fundflowbill` by `bill_date`. */
  readonly answers = new Map<string, Record<string, unknown>>();
  readonly downloads: DownloadRequest[] = [];
  server: Server | undefined;
  baseURL = '';
  #platform: Platform | undefined;

  constructor(private readonly merchantPublicKey: KeyObject = keyPair('merchant').publicKey) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => this.#handle(req, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.baseURL = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  #authorized(req: IncomingMessage): boolean {
    const auth = parseAuthorization(req.headers.authorization);
    if (auth['mchid'] !== MCHID || auth['serial_no'] !== MERCHANT_SERIAL) return false;
    const message = `${req.method}\n${req.url}\n${auth['timestamp']}\n${auth['nonce_str']}\n\n`;
    return verify('sha256', Buffer.from(message), this.merchantPublicKey, Buffer.from(auth['signature'] ?? '', 'base64'));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = this.#authorized(req);
    const fail = (status: number, code: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code, message: code }));
    };
    if (url.pathname === '/v3/billdownload/file') {
      this.downloads.push({ target: req.url ?? '', authorized, headers: req.headers });
      if (!authorized) return fail(401, 'SIGN_ERROR');
      const file = this.files.get(url.searchParams.get('token') ?? '');
      if (!file) return fail(404, 'RESOURCE_NOT_EXISTS');
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', ...file.headers };
      const length = file.length ?? (Buffer.isBuffer(file.body) ? file.body.length : undefined);
      if (length !== undefined) headers['Content-Length'] = String(length);
      res.writeHead(200, headers);
      const body = Buffer.isBuffer(file.body) ? Readable.from([file.body]) : file.body();
      if (file.cutAfter === undefined) {
        body.pipe(res);
        return;
      }
      let sent = 0;
      body.on('data', (chunk: Buffer) => {
        const room = file.cutAfter! - sent;
        sent += chunk.length;
        if (room > chunk.length) return void res.write(chunk);
        res.write(chunk.subarray(0, Math.max(room, 0)), () => res.destroy());
        body.destroy();
      });
      return;
    }
    if (url.pathname === '/v3/bill/tradebill' || url.pathname === '/v3/bill/fundflowbill') {
      if (!authorized) return fail(401, 'SIGN_ERROR');
      const answer = this.answers.get(url.searchParams.get('bill_date') ?? '');
      if (!answer) return fail(400, 'NO_STATEMENT_EXIST');
      this.#platform ??= new Platform();
      const { status, headers, payload } = this.#platform.render({ body: JSON.stringify(answer) });
      res.writeHead(status, headers);
      res.end(payload);
      return;
    }
    fail(404, 'NOT_FOUND');
  }
}
