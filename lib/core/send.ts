import { Readable } from 'node:stream';
import axios, { type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { RequestError, WechatpayError } from '../errors.js';
import { exchangeOf, headerText, type Exchange } from '../util/exchange.js';
import { DeadlineToken } from './deadline.js';
import { sendOverNodeHttp, takes } from './node-http.js';
import { receive } from './receive.js';
import { headerOwner, redirectProblem, withoutCredentials } from './request-rules.js';

/**
 * The last step before the adapter: the request leaves only if its method, URL, body, `Authorization` and
 * framing are exactly what the signer signed, and nothing the adapter would still apply (axios `params`, `auth`,
 * a `baseURL`, a redirect) can change them on the wire (the signed URL has no credentials: core/prepare.ts). Whatever ran after the signer
 * (a hook, an interceptor, a default) cannot make an unsigned request go out. The answer comes back through
 * {@link receive}: bounded, or streamed.
 */
export function sendAsSigned(adapter: AxiosAdapter, lends = true, direct = false): AxiosAdapter {
  return async function guardedAdapter(config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    const exchange = exchangeOf(config);
    const refusal = refusalOf(config, exchange);
    if (refusal) {
      const method = (config.method ?? 'get').toUpperCase();
      throw new RequestError('EREQUEST_UNSIGNED', `${method} ${exchange.template}: refused before sending: ${refusal}`,
        { method, url: withoutCredentials(config.url) });
    }
    const bodyFailure = watchBody(config.data);
    let response: AxiosResponse;
    // The adapter hands over the body as a stream: receive() reads it, and stops at the limit. axios's http adapter
    // gets these on axios's config, put back after it (copying that null-prototype config cost more than the rest of
    // this step), and is ended by the deadline's token; any other adapter gets its own copy, with the deadline's
    // signal as `signal` (made when read).
    if (direct && takes(config)) {
      try {
        response = await sendOverNodeHttp(config);
      } catch (error) {
        throw bodyFailure.error ?? error;
      }
    } else if (lends) {
      try {
        response = await adapter(lentCopy(config));
      } catch (error) {
        throw bodyFailure.error ?? error;
      }
    } else {
      const { responseType, maxContentLength } = config;
      config.responseType = 'stream';
      config.maxContentLength = -1;
      try {
        response = await adapter(config);
      } catch (error) {
        throw bodyFailure.error ?? error;
      } finally {
        config.responseType = responseType;
        config.maxContentLength = maxContentLength;
      }
    }
    response.config = config;
    return receive(response, exchange);
  };
}

/** Why the request about to leave is not the one signed; undefined when it is. */
function refusalOf(config: InternalAxiosRequestConfig, exchange: Exchange): string | undefined {
  const signed = exchange.signed;
  if (!signed) return 'it was not signed';
  if ((config.method ?? 'get').toUpperCase() !== signed.method || config.url !== signed.url) return 'its URL or method changed after signing';
  if (config.data !== signed.data) return 'its body changed after signing';
  const authorization = headerText(config.headers.get('Authorization'));
  if (authorization !== signed.authorization) {
    return signed.authorization === undefined ? 'it carries an Authorization header APIv2 does not send' : 'its Authorization is not the signature';
  }
  let contentLength: string | undefined;
  // AxiosHeaders keeps each header as an own property (null or false: not sent, as its toJSON() leaves them out).
  const headers = config.headers as unknown as Record<string, unknown>;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === null || value === undefined || value === false) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') contentLength = headerText(Array.isArray(value) ? value.join(', ') : value);
    else if (headerOwner(lower) === 'framing') return `it carries a ${name} header, which only the transport writes (for the bytes it sends)`;
  }
  if (contentLength !== signed.contentLength) return 'its Content-Length is not the one of the signed body';
  if (config.params !== undefined && config.params !== null && Object.keys(config.params as object).length > 0) {
    return 'axios `params` would change the signed URL: give query parameters as `query` in the call';
  }
  if (config.auth !== undefined && config.auth !== null) return 'the `auth` option would replace the signature with Basic authentication';
  if (config.baseURL) return 'a `baseURL` would be applied after signing';
  const redirects = redirectProblem(config.maxRedirects);
  return redirects && `maxRedirects ${redirects}`;
}

/** The first error of a stream body while it is sent: the call fails with it, typed, rather than as a transport error. */
function watchBody(data: unknown): { error: WechatpayError | undefined } {
  const failure: { error: WechatpayError | undefined } = { error: undefined };
  if (data instanceof Readable) {
    data.once('error', (error: unknown) => {
      failure.error ??= error instanceof WechatpayError ? error : new RequestError('EREQUEST_BODY',
        `The request body stream failed while it was sent: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
    });
  }
  return failure;
}

/** The adapter a configuration names (the caller's, or axios's http adapter), guarded by {@link sendAsSigned}. */
export function guardedAdapterFor(adapter: AxiosRequestConfig['adapter']): AxiosAdapter {
  const resolved = axios.getAdapter(adapter ?? 'http');
  return sendAsSigned(resolved, resolved !== HTTP_ADAPTER, resolved === HTTP_ADAPTER && !proxyInEnvironment());
}

const HTTP_ADAPTER = axios.getAdapter('http');

/**
 * The variables axios's http adapter reads (through proxy-from-env) to send a request through a proxy. When one is
 * set as a client is built, that client's requests go through axios's adapter, which applies it (and `NO_PROXY`).
 */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'npm_config_http_proxy', 'npm_config_https_proxy', 'npm_config_proxy'];

function proxyInEnvironment(): boolean {
  return PROXY_VARIABLES.some((name) => Boolean(process.env[name] || process.env[name.toUpperCase()]));
}

/** A copy of the config for an adapter of the caller's: the body as a stream, unbounded, and the deadline's signal. */
function lentCopy(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
  const sent: InternalAxiosRequestConfig = { ...config, responseType: 'stream', maxContentLength: -1 };
  if (config.cancelToken instanceof DeadlineToken && !('signal' in config)) {
    Object.defineProperty(sent, 'signal', { get: signalOfToken, enumerable: true, configurable: true });
  }
  return sent;
}

function signalOfToken(this: InternalAxiosRequestConfig): AbortSignal {
  return (this.cancelToken as unknown as DeadlineToken).toAbortSignal();
}
