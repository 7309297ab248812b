import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Readable, Transform, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { cleanHeaders } from './clean-headers.js';

/**
 * The SDK's own HTTP/1.1 adapter, node:http and the client's agents, for what the SDK sends by default: a signed
 * request of known bytes to an origin it signs for, with no proxy. It puts on the wire what axios's http adapter
 * puts there for the same request (the same headers in the same order, `Accept-Encoding` included, the same
 * writes; spec/core/node-http.spec.ts compares the bytes), and answers in the same shape (an AxiosHeaders, the
 * request, the body as a stream, decompressed as axios does), without the per-request work that serves options the
 * SDK's requests never carry (the proxy environment read and parsed on every request, redirects, progress events,
 * rate limits, HTTP/2, data: URLs, form data). A request carrying any such option goes through axios's adapter
 * ({@link takes} says which).
 */

/** Settings of a request config this adapter honours, or that have no effect on one the SDK's guard let through. */
const HANDLED = new Set([
  'adapter', 'transformRequest', 'transformResponse', 'validateStatus', 'headers', 'method', 'url', 'data', 'cancelToken',
  'signal', 'wechatpayCall', 'responseType', 'allowAbsoluteUrls', 'baseURL', 'params', 'paramsSerializer', 'auth', 'env',
  'transitional', 'xsrfCookieName', 'xsrfHeaderName', 'withCredentials', 'withXSRFToken', 'responseEncoding', 'formSerializer',
  'fetchOptions', 'maxContentLength', 'maxRedirects', 'httpAgent', 'httpsAgent', 'decompress', 'timeout', 'timeoutErrorMessage',
]);

/** Settings this adapter honours only at their defaults (`maxBodyLength: -1`: no limit). */
const AT_DEFAULT: Readonly<Record<string, unknown>> = { maxBodyLength: -1 };

/** Whether this adapter sends `config` as axios's http adapter would: no option it leaves to axios is set. */
export function takes(config: InternalAxiosRequestConfig): boolean {
  if (config.timeout) return false;
  for (const key in config) {
    if (HANDLED.has(key)) continue;
    const value = (config as unknown as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (key in AT_DEFAULT && AT_DEFAULT[key] === value) continue;
    return false;
  }
  return true;
}

/** What axios's http adapter advertises (node 20 has brotli; zstd only when asked for by a transitional flag). */
const ACCEPT_ENCODING = 'gzip, compress, deflate, br';
const ZLIB = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/**
 * Sends `config` (a request {@link takes} accepted) and resolves with the answer's head and its body as a stream,
 * whatever its status (the SDK's `validateStatus` accepts every status; the verifier judges it). Rejects as axios's
 * adapter does: an AxiosError with the socket's error as its cause and code, or the cancel token's reason.
 */
export function sendOverNodeHttp(config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
  return new Promise((resolve, reject) => new NodeHttpExchange(config, resolve, reject).send());
}

/** Where a URL the SDK prepared (WHATWG-serialised, http(s), no credentials) sends to, without parsing it again. */
const ORIGIN_AND_PATH = /^(https?):\/\/(\[[^\]]*\]|[^/:]*)(?::(\d+))?(\/[^#]*)?/;

const EXCHANGE = Symbol('wechatpay.nodeHttpExchange');

type ExchangeRequest = http.ClientRequest & { [EXCHANGE]?: NodeHttpExchange };
type ExchangeBody = Readable & { [EXCHANGE]?: NodeHttpExchange };

/** One request and its answer's head; a class, not closures: it runs on every call. */
class NodeHttpExchange {
  req: ExchangeRequest | undefined;
  body: Readable | undefined;
  settled = false;
  readonly method: string;
  readonly abort: (reason: unknown) => void;

  constructor(
    readonly config: InternalAxiosRequestConfig,
    readonly resolve: (response: AxiosResponse) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.method = config.method!.toUpperCase();
    this.abort = this.cancel.bind(this);
  }

  send(): void {
    const { config } = this;
    const parts = ORIGIN_AND_PATH.exec(config.url ?? '');
    if (!parts) {
      this.reject(new AxiosError(`Unsupported URL ${config.url}`, AxiosError.ERR_BAD_REQUEST, config));
      return;
    }
    const secure = parts[1] === 'https';
    const host = parts[2]!;
    let data = config.data as unknown;
    const headers = wireHeaders(config.headers);
    if (data !== undefined && data !== null && !(data instanceof Readable)) {
      data = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      if (!Buffer.isBuffer(data)) {
        this.reject(new AxiosError('Data after transformation must be a string, an ArrayBuffer, a Buffer, or a Stream', AxiosError.ERR_BAD_REQUEST, config));
        return;
      }
      if (!hasHeader(headers, 'content-length')) headers['Content-Length'] = String(data.length);
    }
    if (!hasHeader(headers, 'accept-encoding')) headers['Accept-Encoding'] = ACCEPT_ENCODING;
    const req: ExchangeRequest = this.req = (secure ? https : http).request({
      hostname: host.startsWith('[') ? host.slice(1, -1) : host,
      port: parts[3] ?? '',
      path: parts[4] ?? '/',
      method: this.method,
      headers,
      agent: (secure ? config.httpsAgent : config.httpAgent) as http.Agent | undefined,
      insecureHTTPParser: false,
    });
    req[EXCHANGE] = this;
    req.once('response', onResponse);
    req.on('error', onRequestError);
    req.once('socket', keepAlive);
    config.cancelToken?.subscribe(this.abort);
    if (data instanceof Readable) {
      pipeBody(data, req, this);
    } else {
      if (data) req.write(data);
      req.end();
    }
  }

  /** The deadline (the cancel token) ended the call: the request, and the answer's body if it came, end with it. */
  cancel(reason: unknown): void {
    const error = reason instanceof Error ? reason : new AxiosError('canceled', AxiosError.ERR_CANCELED, this.config, this.req);
    this.reject(error);
    const { body } = this;
    if (body && !body.destroyed) {
      body.emit('error', error);
      body.destroy();
    }
    this.req?.destroy(error);
    this.finish();
  }

  finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.config.cancelToken?.unsubscribe(this.abort);
  }
}

function onResponse(this: ExchangeRequest, res: http.IncomingMessage): void {
  const exchange = this[EXCHANGE]!;
  if (this.destroyed) return;
  const decoded: ExchangeBody = exchange.body = decode(res, exchange.method, exchange.config.decompress !== false);
  decoded[EXCHANGE] = exchange;
  decoded.once('close', onBodyClose);
  const headers = cleanHeaders(res.headers);
  exchange.resolve({ status: res.statusCode!, statusText: res.statusMessage ?? '', headers, config: exchange.config, request: this, data: decoded });
}

function onBodyClose(this: ExchangeBody): void {
  this[EXCHANGE]?.finish();
}

function onRequestError(this: ExchangeRequest, error: Error): void {
  const exchange = this[EXCHANGE]!;
  exchange.finish();
  exchange.reject(AxiosError.from(error, undefined, exchange.config, this));
}

/** A stream body piped as axios's adapter pipes one: its error destroys the request, its early close cancels it. */
function pipeBody(data: Readable, req: http.ClientRequest, exchange: NodeHttpExchange): void {
  let ended = false;
  let errored = false;
  data.on('end', () => {
    ended = true;
  });
  data.once('error', (error: Error) => {
    errored = true;
    req.destroy(error);
  });
  data.on('close', () => {
    if (!ended && !errored) exchange.cancel(new AxiosError('Request stream has been aborted', AxiosError.ERR_CANCELED, exchange.config, req));
  });
  data.pipe(req);
}

/** The default interval of TCP keep-alive probes axios sets on every request's socket (the SDK's agents use it too). */
function keepAlive(socket: Socket): void {
  if (typeof socket.setKeepAlive === 'function') socket.setKeepAlive(true, 60_000);
}

/**
 * The headers as axios's adapter writes them: each set header by the name it was set under, null, undefined and
 * false left out, each value reduced to a byte string (control characters and characters above U+00FF removed,
 * spaces and tabs around it trimmed).
 */
function wireHeaders(headers: InternalAxiosRequestConfig['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const own = headers as unknown as Record<string, unknown>;
  for (const name of Object.keys(own)) {
    const value = own[name];
    if (value === null || value === undefined || value === false) continue;
    out[name] = Array.isArray(value) ? value.map(byteString) : byteString(value);
  }
  return out;
}

const CLEAN = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;
const NOT_BYTE_STRING = /[^\t\x20-\x7e\x80-\xff]+/g;

function byteString(value: unknown): string {
  const text = String(value);
  if (CLEAN.test(text)) return text;
  return text.replace(NOT_BYTE_STRING, '').replace(/^[\t ]+|[\t ]+$/g, '');
}

/** util/headers.ts headerOf finds a value, and allocates for a name that is missing: here the common case. */
function hasHeader(headers: Record<string, unknown>, lower: string): boolean {
  for (const name in headers) if (name.toLowerCase() === lower) return true;
  return false;
}

/** The body as sent, decompressed the way axios's http adapter does (its `Content-Encoding` then removed). */
function decode(res: http.IncomingMessage, method: string, decompress: boolean): Readable {
  const encoding = res.headers['content-encoding'];
  if (!decompress || !encoding) return res;
  if (method === 'HEAD' || res.statusCode === 204) {
    delete res.headers['content-encoding'];
    return res;
  }
  let decoder: Transform;
  switch (encoding.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      decoder = zlib.createUnzip(ZLIB);
      break;
    case 'deflate':
      decoder = new DeflateDecoder();
      break;
    case 'br':
      decoder = zlib.createBrotliDecompress(BROTLI);
      break;
    default:
      return res;
  }
  delete res.headers['content-encoding'];
  return pipeline(res, decoder, () => undefined);
}

/** `deflate` as servers send it: zlib-wrapped (RFC 1950) or, from some, raw (RFC 1951); told apart by the first byte. */
class DeflateDecoder extends Transform {
  #inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    if (!this.#inner) {
      const inner = this.#inner = chunk[0] === 0x78 ? zlib.createInflate(ZLIB) : zlib.createInflateRaw(ZLIB);
      inner.on('data', (out: Buffer) => this.push(out));
      inner.on('error', (error: Error) => this.destroy(error));
    }
    this.#inner.write(chunk, callback);
  }

  override _flush(callback: (error?: Error | null) => void): void {
    if (!this.#inner) {
      callback();
      return;
    }
    this.#inner.once('end', () => callback());
    this.#inner.end();
  }
}
