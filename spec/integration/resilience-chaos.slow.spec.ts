/**
 * The bar for automatic retries: a loopback platform (the sandbox behind a faulty front) that, on the
 * first two attempts of each call, drops 30% of connections after reading the request (half of them after the
 * platform did the work), answers 10% with 500 SYSTEM_ERROR and 5% with 429 + Retry-After; the third attempt
 * is always answered. 300 queries and 300 order creations with the default settings end with no failure,
 * every attempt signed with a nonce never used before over the same body bytes, and each order created once.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder } from '../../lib/index.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';
import { parseAuthorization } from '../support/platform.js';

type AnyClient = any;

/** A small seeded generator (mulberry32): the same faults on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seen {
  /** The call: method, target, and the body's out_trade_no. */
  call: string;
  nonce: string;
  body: Buffer;
  fate: 'forwarded' | 'dropped' | 'reset-after-processing' | 'system-error' | 'rate-limited';
}

/** The faulty front: every request is read, noted, then treated by its call's attempt number. */
class FaultyFront {
  readonly seen: Seen[] = [];
  readonly #attempts = new Map<string, number>();
  readonly #random = seeded(20);
  #server: Server | undefined;
  baseURL = '';

  constructor(private readonly platform: string) {}

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.baseURL = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server?.close(() => resolve());
      this.#server?.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const outTradeNo = body.length ? String((JSON.parse(body.toString('utf8')) as { out_trade_no?: string }).out_trade_no) : '';
    const call = `${req.method} ${req.url} ${outTradeNo}`;
    const attempt = (this.#attempts.get(call) ?? 0) + 1;
    this.#attempts.set(call, attempt);
    const nonce = parseAuthorization(req.headers.authorization)['nonce_str'] ?? '';
    const roll = attempt <= 2 ? this.#random() : 1;
    const note = (fate: Seen['fate']) => this.seen.push({ call, nonce, body, fate });
    if (roll < 0.15) {
      note('dropped');
      req.socket.destroy();
    } else if (roll < 0.30) {
      note('reset-after-processing');
      await this.#forward(req, body);
      req.socket.resetAndDestroy();
    } else if (roll < 0.40) {
      note('system-error');
      res.writeHead(500, { 'Content-Type': 'application/json', 'Request-ID': `FRONT${this.seen.length}` }).end('{"code":"SYSTEM_ERROR","message":"系统错误"}');
    } else if (roll < 0.45) {
      note('rate-limited');
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' }).end('{"code":"FREQUENCY_LIMITED","message":"频率超限"}');
    } else {
      note('forwarded');
      const answer = await this.#forward(req, body);
      res.writeHead(answer.status, answer.headers).end(answer.body);
    }
  }

  #forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = httpRequest(new URL(req.url!.replace(/^\/+/, ''), this.platform), { method: req.method, headers: { ...req.headers, host: new URL(this.platform).host } }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && name !== 'connection' && name !== 'keep-alive') headers[name] = value;
          resolve({ status: answer.statusCode ?? 502, headers, body: Buffer.concat(parts) });
        });
        answer.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }
}

let sandbox: Sandbox;
let front: FaultyFront;
let client: AnyClient;

beforeAll(async () => {
  sandbox = await startSandbox();
  front = new FaultyFront(sandbox.baseURL);
  await front.start();
  client = Builder.factory({ ...sandbox.config, baseURL: front.baseURL });
}, 30_000);
afterAll(async () => {
  await front.stop();
  await sandbox.close();
});

/** Runs `count` calls, `width` at a time; the failures. */
async function run(count: number, width: number, call: (index: number) => Promise<unknown>): Promise<unknown[]> {
  const failures: unknown[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) {
      const index = next++;
      await call(index).catch((error: unknown) => failures.push(error));
    }
  }));
  return failures;
}

const outTradeNo = (index: number) => `CHAOS${String(index).padStart(4, '0')}`;

it('300 order creations and 300 queries through dropped connections, 500s and 429s: no failure, each order once', async () => {
  const creations = await run(300, 20, (index) => client.v3.pay.transactions.native.post({
    json: {
      appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'chaos', out_trade_no: outTradeNo(index),
      notify_url: 'https://example.com/notify', amount: { total: 100 + index, currency: 'CNY' },
    },
  }));
  const queries = await run(300, 20, async (index) => {
    const response = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: outTradeNo(index), query: { mchid: sandbox.config.mchid } });
    expect(response.data.out_trade_no).toBe(outTradeNo(index));
  });
  expect(creations).toEqual([]);
  expect(queries).toEqual([]);

  // The faults happened (the seed makes them the same every run).
  const fates = new Map<string, number>();
  for (const seen of front.seen) fates.set(seen.fate, (fates.get(seen.fate) ?? 0) + 1);
  expect(fates.get('dropped')).toBeGreaterThan(50);
  expect(fates.get('reset-after-processing')).toBeGreaterThan(50);
  expect(fates.get('system-error')).toBeGreaterThan(20);
  expect(fates.get('rate-limited')).toBeGreaterThan(5);

  // Every attempt signed with a nonce never used before.
  const nonces = front.seen.map((seen) => seen.nonce);
  expect(nonces.every((nonce) => /^[0-9A-Za-z]{32}$/.test(nonce))).toBe(true);
  expect(new Set(nonces).size).toBe(nonces.length);
  // Every attempt of a call carried the same body bytes.
  const bodies = new Map<string, Buffer>();
  for (const seen of front.seen) {
    const first = bodies.get(seen.call);
    if (first) expect(seen.body.equals(first)).toBe(true);
    else bodies.set(seen.call, seen.body);
  }
  expect(bodies.size).toBe(600);
  // Each order created once, with its own amount.
  const orders = sandbox.orders().filter((o) => String(o['out_trade_no']).startsWith('CHAOS'));
  expect(orders).toHaveLength(300);
  expect(new Set(orders.map((o) => o['out_trade_no'])).size).toBe(300);
}, 120_000);
