/**
 * A stand-in for the WeChat Pay platform, written with node:crypto and node:http only (none of the SDK's
 * helpers), so that the SDK's signing and verification are checked by an independent implementation.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

const cache = new Map<string, KeyPair>();

/** An RSA-2048 key pair, made once per name per test process. */
export function keyPair(name: string): KeyPair {
  let pair = cache.get(name);
  if (!pair) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    pair = {
      privateKey,
      publicKey,
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    cache.set(name, pair);
  }
  return pair;
}

export const MCHID = '1230000109';
export const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
export const PLATFORM_SERIAL = '7132D72A03E93CDDF8C03BBD1F37EEDF843826FA';
export const PUBLIC_KEY_ID = 'PUB_KEY_ID_0112345678202501010000000000000000';

export interface CapturedRequest {
  method: string;
  /** The request target exactly as received: path and query. */
  target: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Whether the Authorization header verified with the merchant's public key (checked independently). */
  authorized: boolean;
  authorization: Record<string, string>;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sign with this key id (default: the platform certificate serial). */
  serial?: string;
  /** Sign with this private key (default: the key belonging to `serial`). */
  signingKey?: KeyObject;
  /** Override the signed timestamp (unix seconds, or any string). */
  timestamp?: string;
  /** Override the nonce (with `timestamp` and `signature`: an answer signed once, served many times). */
  nonce?: string;
  /** Replace the signature header with this value. */
  signature?: string;
  /** Change the body after signing. */
  tamperBody?: (body: Buffer) => Buffer;
  /** Leave out these Wechatpay-* headers. */
  omit?: string[];
  /** Sign `{"sha1":"..."}` as overseas statements are (docs/protocol.md#overseas-statements). */
  statement?: boolean;
  /** Send no signature headers at all. */
  unsigned?: boolean;
}

export type Responder = (request: CapturedRequest) => Answer | Promise<Answer>;

/** Parses `WECHATPAY2-SHA256-RSA2048 k="v",...` by hand. */
export function parseAuthorization(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const match = /^WECHATPAY2-SHA256-RSA2048 (.*)$/.exec(header ?? '');
  if (!match) return out;
  for (const part of match[1]!.matchAll(/(\w+)="([^"]*)"/g)) out[part[1]!] = part[2]!;
  return out;
}

export function signWith(key: KeyObject, message: string | Buffer): string {
  return sign('sha256', typeof message === 'string' ? Buffer.from(message) : message, key).toString('base64');
}

export class Platform {
  readonly requests: CapturedRequest[] = [];
  readonly merchant = keyPair('merchant');
  readonly platform = keyPair('platform');
  readonly publicKey = keyPair('platform-public-key');
  respond: Responder = () => ({ body: '{}' });
  server: Server | undefined;
  baseURL = '';

  /** The `certs` setting that trusts this platform's certificate serial and public-key id. */
  get certs(): Record<string, string> {
    return { [PLATFORM_SERIAL]: this.platform.publicPem, [PUBLIC_KEY_ID]: this.publicKey.publicPem };
  }

  config(extra: Record<string, unknown> = {}) {
    return {
      mchid: MCHID,
      serial: MERCHANT_SERIAL,
      privateKey: this.merchant.privatePem,
      certs: this.certs,
      baseURL: this.baseURL,
      ...extra,
    };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const authorization = parseAuthorization(req.headers.authorization);
          const captured: CapturedRequest = {
            method: req.method ?? '',
            target: req.url ?? '',
            headers: req.headers,
            body,
            authorization,
            authorized: this.checkAuthorization(req.method ?? '', req.url ?? '', body, authorization),
          };
          this.requests.push(captured);
          const answer = await this.respond(captured);
          const { status, headers, payload } = this.render(answer);
          res.writeHead(status, headers);
          res.end(payload);
        })();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseURL = `http://127.0.0.1:${port}/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  get last(): CapturedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('no request reached the platform');
    return last;
  }

  private checkAuthorization(method: string, target: string, body: Buffer, auth: Record<string, string>): boolean {
    if (auth['mchid'] !== MCHID || auth['serial_no'] !== MERCHANT_SERIAL) return false;
    if (!/^\d+$/.test(auth['timestamp'] ?? '') || !/^[0-9A-Za-z]{32}$/.test(auth['nonce_str'] ?? '')) return false;
    const message = Buffer.concat([
      Buffer.from(`${method}\n${target}\n${auth['timestamp']}\n${auth['nonce_str']}\n`),
      body,
      Buffer.from('\n'),
    ]);
    return verify('sha256', message, this.merchant.publicKey, Buffer.from(auth['signature'] ?? '', 'base64'));
  }

  /** An answer signed as the platform signs (or deliberately not). */
  render(answer: Answer): { status: number; headers: Record<string, string>; payload: Buffer } {
    const payload = Buffer.from(answer.body ?? '');
    const serial = answer.serial ?? PLATFORM_SERIAL;
    const key = answer.signingKey ?? (serial === PUBLIC_KEY_ID ? this.publicKey.privateKey : this.platform.privateKey);
    const timestamp = answer.timestamp ?? String(Math.floor(Date.now() / 1000));
    const nonce = answer.nonce ?? randomBytes(16).toString('hex');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Request-ID': `08${randomBytes(8).toString('hex').toUpperCase()}`,
      ...answer.headers,
    };
    if (!answer.unsigned) {
      let signedBody = payload;
      if (answer.statement) {
        const sha1 = createHash('sha1').update(payload).digest('hex');
        headers['Wechatpay-Statement-Sha1'] = sha1;
        signedBody = Buffer.from(JSON.stringify({ sha1 }));
      }
      const message = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), signedBody, Buffer.from('\n')]);
      Object.assign(headers, {
        'Wechatpay-Timestamp': timestamp,
        'Wechatpay-Nonce': nonce,
        'Wechatpay-Serial': serial,
        'Wechatpay-Signature': answer.signature ?? signWith(key, message),
        'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
      });
      for (const name of answer.omit ?? []) Reflect.deleteProperty(headers, name);
    }
    return { status: answer.status ?? 200, headers, payload: answer.tamperBody ? answer.tamperBody(payload) : payload };
  }
}

/**
 * A Platform for the spec file that calls this at its top level: started before its tests and stopped after
 * them. With `body`, it answers that body afresh before each test (a test's own `respond` lasts for that test).
 */
export function usePlatform(body?: string): Platform {
  const platform = new Platform();
  beforeAll(() => platform.start());
  if (body !== undefined) {
    beforeEach(() => {
      platform.respond = () => ({ body });
    });
  }
  afterAll(() => platform.stop());
  return platform;
}
