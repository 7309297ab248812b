import axios, { type AxiosInstance, type AxiosResponse, type CreateAxiosDefaults } from 'axios';
import { ApiError, RequestError, WechatpayError, type ExchangeFacts } from '../errors.js';
import type { RequestMeta } from './request-meta.js';
import { headerOf, type HeaderBag } from '../util/headers.js';

export function exchangeFacts(response: AxiosResponse): ExchangeFacts {
  return {
    method: response.config.method?.toUpperCase(),
    url: response.config.url,
    status: response.status,
    requestId: headerOf(response.headers, 'Request-ID'),
  };
}

/** The verified body as data: JSON parsed, text as a string, anything else (files) as a Buffer; empty is undefined. */
export function parseBody(raw: Buffer, headers: HeaderBag): unknown {
  if (raw.length === 0) return undefined;
  const type = (headerOf(headers, 'Content-Type') ?? '').toLowerCase();
  const text = (): string => raw.toString('utf8');
  if (type.includes('json') || (type === '' && /^\s*[{[]/.test(text()))) {
    try {
      return JSON.parse(text());
    } catch {
      return text();
    }
  }
  if (type === '' || type.startsWith('text/') || type.includes('xml') || type.includes('csv')) return text();
  return raw;
}

export function finish(response: AxiosResponse, meta: RequestMeta, data: unknown): AxiosResponse {
  let value = data;
  for (const transform of meta.transformResponse ?? []) {
    value = transform.call(response.config, value, response.headers, response.status);
  }
  response.data = value;
  return response;
}

export function apiError(raw: Buffer, facts: ExchangeFacts & { headers: Record<string, string> }): ApiError {
  const body = raw.toString('utf8');
  let parsed: { code?: unknown; message?: unknown; detail?: unknown } = {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object') parsed = value as typeof parsed;
  } catch {
    // not JSON: keep the status as the code
  }
  const status = facts.status ?? 0;
  const code = typeof parsed.code === 'string' ? parsed.code : `HTTP_${status}`;
  const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  return new ApiError(status, code, `${facts.method} ${facts.url} answered ${status} ${code}: ${message}`, {
    ...facts,
    detail: parsed.detail,
    body,
  });
}

/**
 * Errors leaving the client are the SDK's own; a transport failure keeps only its code and message
 * (an AxiosError carries the request config, agents included, which may hold key material).
 */
export function asSdkError(error: unknown): WechatpayError {
  if (error instanceof WechatpayError) return error;
  // The SDK's own error raised while sending (a media body that no longer matches its signed meta).
  if (axios.isAxiosError(error) && error.cause instanceof WechatpayError) return error.cause;
  if (axios.isAxiosError(error)) {
    const method = error.config?.method?.toUpperCase();
    const url = error.config?.url;
    const cause = Object.assign(new Error(error.message), { code: error.code });
    return new RequestError('EREQUEST_TRANSPORT', `${method} ${url} failed: ${error.code ?? 'ERROR'} ${error.message}`,
      { method, url }, { cause });
  }
  if (error instanceof Error) {
    return new RequestError('EREQUEST_TRANSPORT', error.message, {}, { cause: Object.assign(new Error(error.message), { name: error.name }) });
  }
  return new RequestError('EREQUEST_TRANSPORT', String(error));
}


/** axios defaults the SDK has no use for; axios copies (and for `transitional` re-validates) each on every request. */
const UNUSED_DEFAULTS = ['transitional', 'env', 'xsrfCookieName', 'xsrfHeaderName', 'maxContentLength', 'maxBodyLength'] as const;

/**
 * Drops axios's own defaults the SDK does not use unless the caller set them: each has a built-in
 * fallback in the node adapter (no limit for the two sizes), and each costs a copy per request.
 */
export function trimDefaults(instance: AxiosInstance, settings: CreateAxiosDefaults): void {
  for (const key of UNUSED_DEFAULTS) {
    if (settings[key] === undefined) Reflect.deleteProperty(instance.defaults, key);
  }
}
