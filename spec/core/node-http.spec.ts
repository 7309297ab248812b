/**
 * The SDK's own HTTP/1.1 adapter (core/node-http.ts): what it puts on the wire is what axios's http adapter puts
 * there for the same request, byte for byte; its answers have the same shape and the same decompressed bodies;
 * a request with an option it leaves to axios, or a client built with a proxy in the environment, goes through
 * axios's adapter.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import axios, { AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { Builder } from '../../lib/core/builder.js';
import { sendOverNodeHttp, takes } from '../../lib/core/node-http.js';
import { usePlatform } from '../support/platform.js';

type AnyClient = any;
const axiosHttp = axios.getAdapter('http');

/** A TCP server that records the bytes of each request and answers 200 with an empty body once it has them all. */
async function recorder(): Promise<{ url: string; requests: Buffer[]; close(): Promise<void> }> {
  const requests: Buffer[] = [];
  const server = net.createServer((socket) => {
    let seen = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const head = seen.indexOf('\r\n\r\n');
      if (head === -1) return;
      const text = seen.subarray(0, head).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text);
      const chunked = /\r\ntransfer-encoding: *chunked/i.test(text);
      const complete = chunked ? seen.subarray(head).includes('\r\n0\r\n\r\n') : seen.length >= head + 4 + Number(length?.[1] ?? 0);
      if (!complete) return;
      requests.push(seen);
      seen = Buffer.alloc(0);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A request config as axios hands one to its adapter after the SDK's interceptor (responseType stream, every status). */
function configOf(url: string, method: string, headers: Record<string, string | string[]>, data?: unknown): InternalAxiosRequestConfig {
  return {
    url,
    method,
    headers: new AxiosHeaders(headers),
    data,
    responseType: 'stream',
    maxRedirects: 0,
    maxContentLength: -1,
    maxBodyLength: -1,
    validateStatus: () => true,
    transformRequest: [],
    transformResponse: [],
    timeout: 0,
    httpAgent: new http.Agent({ keepAlive: false }),
  } as unknown as InternalAxiosRequestConfig;
}

async function drain(response: AxiosResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.data as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('the wire: the same bytes as axios http adapter', () => {
  const headers = {
    Accept: 'application/json',
    'Content-Type': 'application/json; charset=utf-8',
    'User-Agent': 'wechatpay-chain/test',
    Authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1",serial_no="S",timestamp="1",nonce_str="n",signature="s=="',
    'Wechatpay-Serial': 'PUB_KEY_ID_0114232134912410000000000000',
  };
  const cases: Array<[string, string, Record<string, string | string[]>, () => unknown]> = [
    ['a POST with a JSON text body', 'post', headers, () => '{"amount":{"total":100},"description":"Image形象店"}'],
    ['a GET without a body', 'get', { ...headers, 'Content-Type': 'application/json' }, () => undefined],
    ['a POST with a Buffer body and its own Content-Length', 'post', { ...headers, 'Content-Length': '3' }, () => Buffer.from('abc')],
    ['a POST with a stream body (chunked)', 'post', headers, () => Readable.from([Buffer.from('{"a":'), Buffer.from('1}')])],
    ['a header of several values, and values axios trims', 'post', { ...headers, 'X-Several': ['a', 'b'], 'X-Spaced': '  padded\t' }, () => '{}'],
  ];

  it.each(cases)('%s', async (_name, method, given, body) => {
    const server = await recorder();
    try {
      const path = '/v3/pay/transactions/id/4200000000?mchid=1230000109&x=%E4%B8%AD';
      const ours = await sendOverNodeHttp(configOf(server.url + path, method, given, body()));
      await drain(ours);
      const theirs = await axiosHttp(configOf(server.url + path, method, given, body()));
      await drain(theirs);
      expect(server.requests).toHaveLength(2);
      expect(server.requests[0]!.toString('latin1')).toBe(server.requests[1]!.toString('latin1'));
      expect(server.requests[0]!.toString('latin1')).toMatch(/^(POST|GET) \/v3\/pay\/transactions\/id\/4200000000\?mchid=1230000109&x=%E4%B8%AD HTTP\/1\.1\r\n/);
    } finally {
      await server.close();
    }
  });
});

describe('the answer: the same shape and body as axios http adapter', () => {
  const text = JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=abc', note: 'x'.repeat(5000) });
  const encodings: Record<string, (body: Buffer) => Buffer> = {
    gzip: (body) => zlib.gzipSync(body),
    'x-gzip': (body) => zlib.gzipSync(body),
    deflate: (body) => zlib.deflateSync(body),
    'deflate (raw, as some servers send it)': (body) => zlib.deflateRawSync(body),
    br: (body) => zlib.brotliCompressSync(body),
    identity: (body) => body,
  };
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const name = decodeURIComponent(req.url!.slice(1));
      const encoded = encodings[name]!(Buffer.from(text));
      res.writeHead(name === 'identity' ? 400 : 200, { 'Content-Type': 'application/json', 'Content-Encoding': name.split(' ')[0]!, 'Request-ID': 'RID-1', 'Set-Cookie': ['a=1', 'b=2'] });
      res.end(encoded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(Object.keys(encodings))('%s', async (name) => {
    const url = base + encodeURIComponent(name);
    const ours = await sendOverNodeHttp(configOf(url, 'get', {}));
    const theirs = await axiosHttp(configOf(url, 'get', {}));
    expect((await drain(ours)).toString()).toBe(text);
    expect((await drain(theirs)).toString()).toBe(text);
    expect(ours.headers).toBeInstanceOf(AxiosHeaders);
    expect((ours.headers as AxiosHeaders).toJSON()).toEqual((theirs.headers as AxiosHeaders).toJSON());
    expect((ours.headers as AxiosHeaders).get('request-id')).toBe('RID-1');
    expect([ours.status, ours.statusText]).toEqual([theirs.status, theirs.statusText]);
    expect(ours.request).toBeInstanceOf(http.ClientRequest);
  });

  it('leaves a body encoded when decompress is false, as axios does', async () => {
    const url = `${base}gzip`;
    const ours = await sendOverNodeHttp({ ...configOf(url, 'get', {}), decompress: false } as InternalAxiosRequestConfig);
    expect(zlib.gunzipSync(await drain(ours)).toString()).toBe(text);
    expect((ours.headers as AxiosHeaders).get('content-encoding')).toBe('gzip');
  });
});

describe('the transport errors of axios http adapter', () => {
  it('a refused connection: an AxiosError carrying the socket error code and its system call', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await sendOverNodeHttp(configOf(`http://127.0.0.1:${port}/v3/x`, 'get', {})).catch((caught: unknown) => caught);
    expect(axios.isAxiosError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', cause: { syscall: 'connect' } });
  });

  it('a cancel token ends the request and an answer still arriving, with its reason', async () => {
    let sockets = 0;
    const server = http.createServer((_req, res) => {
      sockets += 1;
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const listeners: Array<(reason: unknown) => void> = [];
      const token = { subscribe: (listener: (reason: unknown) => void) => listeners.push(listener), unsubscribe: () => undefined };
      const config = { ...configOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'get', {}), cancelToken: token } as unknown as InternalAxiosRequestConfig;
      const response = await sendOverNodeHttp(config);
      const read = drain(response).catch((caught: unknown) => caught);
      const reason = new Error('the deadline');
      for (const listener of listeners) listener(reason);
      expect(await read).toBe(reason);
      expect((response.data as Readable).destroyed).toBe(true);
      expect(sockets).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('which requests it takes', () => {
  const base = configOf('http://127.0.0.1/', 'post', {}, '{}');
  it('takes the SDK request as axios hands it over', () => {
    expect(takes(base)).toBe(true);
    expect(takes({ ...base, proxy: undefined, decompress: true, maxBodyLength: -1 } as InternalAxiosRequestConfig)).toBe(true);
  });

  it.each([
    ['a proxy', { proxy: { host: '127.0.0.1', port: 3128 } }],
    ['proxy: false (axios then bypasses an agent\'s own proxy settings)', { proxy: false }],
    ['a socket path', { socketPath: '/tmp/socket' }],
    ['a DNS look-up of its own', { lookup: () => undefined }],
    ['progress events', { onUploadProgress: () => undefined }],
    ['a rate limit', { maxRate: 1000 }],
    ['a body limit', { maxBodyLength: 10 }],
    ['HTTP/2', { httpVersion: 2 }],
    ['a transport of its own', { transport: http }],
    ['an idle timeout', { timeout: 100 }],
    ['an option axios may add later', { someFutureOption: 1 }],
  ])('leaves to axios a request with %s', (_name, extra) => {
    expect(takes({ ...base, ...extra } as unknown as InternalAxiosRequestConfig)).toBe(false);
  });
});

describe('a client with a proxy goes through axios http adapter, which applies it', () => {
  const platform = usePlatform('{"ok":true}');
  let proxy: http.Server;
  let proxied: string[];
  beforeAll(async () => {
    proxied = [];
    // A forward proxy for plain HTTP: the request line carries the absolute URL; it passes the request on.
    proxy = http.createServer((req, res) => {
      proxied.push(req.url!);
      const upstream = http.request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const proxyURL = () => `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  it('given as the axios proxy option', async () => {
    const { port } = proxy.address() as AddressInfo;
    const client: AnyClient = Builder.factory({ ...platform.config(), proxy: { protocol: 'http', host: '127.0.0.1', port } });
    await client.v3.certificates.get();
    expect(proxied.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v3\/certificates$/);
  });

  it('given by HTTP_PROXY when the client is built (a client built before does not read it later)', async () => {
    const before: AnyClient = Builder.factory(platform.config());
    process.env['HTTP_PROXY'] = proxyURL();
    try {
      const after: AnyClient = Builder.factory(platform.config());
      const count = proxied.length;
      await before.v3.certificates.get();
      expect(proxied.length).toBe(count);
      await after.v3.certificates.get();
      expect(proxied.length).toBe(count + 1);
    } finally {
      delete process.env['HTTP_PROXY'];
    }
  });
});
