import { Readable } from 'node:stream';
import axios, { type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { RequestError, WechatpayError } from '../errors.js';
import { exchangeOf, headerText, type Exchange } from '../util/exchange.js';
import { DeadlineToken } from './deadline.js';
import { receive } from './receive.js';
import { headerOwner, redirectProblem, withoutCredentials } from './request-rules.js';

/**
 * The last step before the adapter: the request leaves only if its method, URL, body, `Authorization` and
 * framing are exactly what the signer signed, and nothing the adapter would still apply (axios `params`, `auth`,
 * a `baseURL`, a redirect) can change them on the wire (the signed URL has no credentials: core/prepare.ts). Whatever ran after the signer
 * (a hook, an interceptor, a default) cannot make an unsigned request go out. The answer comes back through
 * {@link receive}: bounded, or streamed.
 */
export function sendAsSigned(adapter: AxiosAdapter, withSignal = true): AxiosAdapter {
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
    // The adapter hands over the body as a stream: receive() reads it, and stops at the limit. Set on the config
    // for the adapter and put back after it (a copy of axios's null-prototype config was this step's largest cost).
    const { responseType, maxContentLength } = config;
    config.responseType = 'stream';
    config.maxContentLength = -1;
    // axios's http adapter is ended by the deadline's token; any other adapter may want a signal (made when read).
    const lent = withSignal && config.cancelToken instanceof DeadlineToken && !('signal' in config);
    if (lent) lendSignal(config);
    try {
      response = await adapter(config);
    } catch (error) {
      throw bodyFailure.error ?? error;
    } finally {
      config.responseType = responseType;
      config.maxContentLength = maxContentLength;
      // Taken back: axios reads `signal` after the adapter (a cancellation check), which would make one for nothing.
      if (lent) delete (config as { signal?: unknown }).signal;
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
  return sendAsSigned(resolved, resolved !== HTTP_ADAPTER);
}

const HTTP_ADAPTER = axios.getAdapter('http');

/** `config.signal`, the deadline's, made only if the adapter reads it. */
function lendSignal(config: InternalAxiosRequestConfig): void {
  Object.defineProperty(config, 'signal', { get: signalOfToken, enumerable: true, configurable: true });
}

function signalOfToken(this: InternalAxiosRequestConfig): AbortSignal {
  return (this.cancelToken as unknown as DeadlineToken).toAbortSignal();
}
