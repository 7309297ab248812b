import axios, { type AxiosAdapter, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { RequestError } from '../errors.js';
import { exchangeOf } from '../util/exchange.js';

/**
 * The last step before the adapter: the request leaves only if its method, URL, body and `Authorization`
 * are exactly what the signer signed, and nothing the adapter would still apply (axios `params`, `auth`,
 * a `baseURL`, credentials in the URL) can change them on the wire. Whatever ran after the signer (a hook,
 * an interceptor, a default) cannot make an unsigned request go out.
 */
export function sendAsSigned(adapter: AxiosAdapter): AxiosAdapter {
  return function guardedAdapter(config: InternalAxiosRequestConfig) {
    const exchange = exchangeOf(config);
    const signed = exchange.signed;
    const method = (config.method ?? 'get').toUpperCase();
    const refuse = (what: string): Promise<never> => Promise.reject(new RequestError('EREQUEST_UNSIGNED',
      `${method} ${exchange.template}: refused before sending: ${what}`, { method, url: withoutCredentials(config.url) }));
    if (!signed) return refuse('it was not signed');
    if (method !== signed.method || config.url !== signed.url) return refuse('its URL or method changed after signing');
    if (config.data !== signed.data) return refuse('its body changed after signing');
    const authorization = config.headers.get('Authorization') ?? undefined;
    if (authorization !== signed.authorization) {
      return refuse(signed.authorization === undefined ? 'it carries an Authorization header APIv2 does not send' : 'its Authorization is not the signature');
    }
    if (config.params !== undefined && config.params !== null && Object.keys(config.params as object).length > 0) {
      return refuse('axios `params` would change the signed URL: give query parameters as `query` in the call');
    }
    if (config.auth !== undefined && config.auth !== null) return refuse('the `auth` option would replace the signature with Basic authentication');
    if (config.baseURL) return refuse('a `baseURL` would be applied after signing');
    if (hasCredentials(config.url)) return refuse('the URL carries credentials (user:password@), which would replace the signature');
    return adapter(config);
  };
}

/** The adapter a configuration names (the caller's, or axios's http adapter), guarded by {@link sendAsSigned}. */
export function guardedAdapterFor(adapter: AxiosRequestConfig['adapter']): AxiosAdapter {
  return sendAsSigned(axios.getAdapter(adapter ?? 'http'));
}

function hasCredentials(url: string | undefined): boolean {
  try {
    const parsed = new URL(url ?? '');
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** A URL fit for an error message: credentials removed. */
export function withoutCredentials(url: string | undefined): string | undefined {
  if (!hasCredentials(url)) return url;
  const parsed = new URL(url!);
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
