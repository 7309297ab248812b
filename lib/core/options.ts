import { validateHeaderName, validateHeaderValue } from 'node:http';
import { RequestError, type WechatpayError } from '../errors.js';
import type { MultipartLike } from '../types.js';
import { CREDENTIALS_PROBLEM, hasCredentials, headerOwner, TRANSFORM_REQUEST_PROBLEM } from './request-rules.js';
import { isTemplateVariable, templateVariables } from './uri.js';

/**
 * The options object of one call, as given (wechatpay-php's Guzzle-style options): the payload options the
 * SDK reads, any axios request setting, and URI template variables, all at the top level. Checked by
 * {@link checkOptions}; the generated types describe it per endpoint.
 */
export interface RequestOptions {
  json?: unknown;
  query?: unknown;
  params?: unknown;
  body?: unknown;
  multipart?: unknown;
  xml?: unknown;
  security?: unknown;
  nonceless?: unknown;
  headers?: unknown;
  baseURL?: unknown;
  base_uri?: unknown;
  sink?: unknown;
  /** A URI template variable or an axios setting. */
  [variableOrSetting: string]: unknown;
}

const BODY_OPTIONS = ['json', 'multipart', 'body'] as const;

/** Request options the SDK reads itself; every other key is a URI variable or an axios setting. */
const PAYLOAD_OPTIONS = new Set(['json', 'query', 'params', 'body', 'multipart', 'xml', 'security', 'nonceless', 'headers', 'baseURL', 'base_uri', 'sink', 'retry']);
/** axios settings a request may carry through (everything but what the SDK owns: url, method, data). */
export const AXIOS_OPTIONS: ReadonlySet<string> = new Set([
  'timeout', 'timeoutErrorMessage', 'signal', 'cancelToken', 'adapter', 'responseType', 'responseEncoding',
  'maxContentLength', 'maxBodyLength', 'maxRedirects', 'maxRate', 'beforeRedirect', 'onUploadProgress',
  'onDownloadProgress', 'httpAgent', 'httpsAgent', 'proxy', 'decompress', 'socketPath', 'allowedSocketPaths',
  'transport', 'insecureHTTPParser', 'lookup', 'family', 'transitional', 'env', 'httpVersion', 'http2Options',
  'fetchOptions', 'withCredentials', 'auth', 'transformResponse', 'validateStatus', 'paramsSerializer',
  'formSerializer', 'parseReviver', 'redact', 'sensitiveHeaders', 'xsrfCookieName', 'xsrfHeaderName', 'withXSRFToken',
]);

/** Makes the error for a setting that cannot be used as given: `problem` says why, and what to write instead. */
export type Refuse = (problem: string) => WechatpayError;

/** Header names axios drops without a word: written exactly so, they are object-prototype keys. */
const UNCARRIED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The longest `timeout` node's timers can keep (about 24.8 days); a longer one would fire at once. */
export const MAX_TIMEOUT = 2_147_483_647;

/**
 * The options object of a call, with anything that is neither a URI variable, a payload option nor an axios
 * setting refused, and every setting the SDK reads checked for its shape: nothing given is silently ignored.
 */
export function checkOptions(template: string, raw: unknown): RequestOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RequestError('EREQUEST_OPTIONS', `The options of ${template} must be an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const options = raw as RequestOptions;
  if (options['transformRequest'] !== undefined) {
    throw new RequestError('EREQUEST_OPTIONS', `${template}: transformRequest ${TRANSFORM_REQUEST_PROBLEM}`);
  }
  let unknown: string[] | undefined;
  for (const key in options) {
    if (!PAYLOAD_OPTIONS.has(key) && !AXIOS_OPTIONS.has(key) && !isTemplateVariable(template, key)) (unknown ??= []).push(key);
  }
  if (unknown) {
    const { required, optional } = templateVariables(template);
    const known = [...required, ...optional];
    throw new RequestError('EREQUEST_OPTIONS',
      `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} for ${template}: ` +
      `not a variable of the template (${known.length ? known.join(', ') : 'it has none'}), a request option ` +
      '(json, query, headers, body, multipart, sink, baseURL, ...) nor an axios setting');
  }
  if (options.sink !== undefined && options['responseType'] !== undefined) {
    throw new RequestError('EREQUEST_OPTIONS', `${template}: give sink or responseType, not both: a sink streams the answer to its destination`);
  }
  let given = 0;
  for (const name of BODY_OPTIONS) if (options[name] !== undefined) given += 1;
  if (given > 1) {
    const bodies = BODY_OPTIONS.filter((name) => options[name] !== undefined);
    throw new RequestError('EREQUEST_OPTIONS', `${template}: give one of json, multipart or body, not ${bodies.join(' and ')}`);
  }
  // Every call passes here: the refusals are made only for an option that is given.
  const refuse = refuser.bind(undefined, template);
  if (options['timeout'] !== undefined) checkTimeout(options['timeout'], refuse('timeout'));
  if (options['maxContentLength'] !== undefined) checkMaxContentLength(options['maxContentLength'], refuse('maxContentLength'));
  for (const name of ['query', 'params'] as const) {
    const query = options[name];
    if (query !== undefined && query !== null && !isPlainObject(query) && !(query instanceof URLSearchParams)) {
      throw refuse(name)(`must be an object of query parameters (or URLSearchParams), got ${describe(query)}`);
    }
  }
  if (options.multipart !== undefined && !isMultipart(options.multipart)) {
    throw refuse('multipart')('must be a MediaUtil (or an object with getMeta(), getContentType() and getBody())');
  }
  for (const name of ['security', 'nonceless'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw refuse(name)(`must be true or false, got ${describe(options[name])}`);
  }
  for (const name of ['baseURL', 'base_uri'] as const) {
    if (options[name] !== undefined) checkBaseURL(options[name], refuse(name));
  }
  if (options['signal'] !== undefined && !isAbortSignal(options['signal'])) throw refuse('signal')('must be an AbortSignal');
  const token = options['cancelToken'] as { subscribe?: unknown } | undefined;
  if (token !== undefined && (typeof token !== 'object' || token === null || typeof token.subscribe !== 'function')) {
    throw refuse('cancelToken')('must be an axios CancelToken (or use `signal`)');
  }
  return options;
}

function refuser(template: string, name: string): Refuse {
  return (problem) => new RequestError('EREQUEST_OPTIONS', `${template}: ${name} ${problem}`);
}

/** A whole number of milliseconds; a fraction (Guzzle's seconds) is refused with the value it means. */
export function checkTimeout(value: unknown, refuse: Refuse): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TIMEOUT) return value;
  if (typeof value === 'number' && value > 0 && value < 1000 && !Number.isInteger(value)) {
    throw refuse(`is in milliseconds (as in axios), not seconds (as in Guzzle and wechatpay-php): write timeout: ${Math.round(value * 1000)} for ${value} s`);
  }
  throw refuse(`must be a whole number of milliseconds from 0 (no deadline) to ${MAX_TIMEOUT}, got ${describe(value)}`);
}

/** Bytes of a decoded answer: a whole number, or -1 for no limit (axios's meaning). */
export function checkMaxContentLength(value: unknown, refuse: Refuse): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= -1) return value;
  throw refuse(`must be a whole number of bytes (or -1: no limit), got ${describe(value)}`);
}

/** An absolute http(s) URL without credentials; the value itself is never repeated (it may hold a password). */
export function checkBaseURL(value: unknown, refuse: Refuse): string {
  if (typeof value !== 'string') throw refuse(`must be an absolute http(s) URL string, got ${describe(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('must be an absolute http(s) URL (https://host/), and this is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refuse(`must be an http(s) URL, not ${url.protocol.length <= 12 ? url.protocol : 'another scheme'}`);
  }
  if (hasCredentials(url)) throw refuse(`must be a URL without credentials: this one ${CREDENTIALS_PROBLEM}`);
  return value;
}

/**
 * Headers as strings, each checked: a valid name, a value HTTP can carry (no CR or LF, nothing beyond Latin-1),
 * none of the headers only the SDK sets (core/request-rules.ts: the signature, the framing; the protocol headers a
 * call may choose). A refused value is never repeated in the message: it may be a token.
 */
export function checkHeaders(headers: unknown, refuse: Refuse): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined || headers === null) return out;
  if (!isPlainObject(headers)) throw refuse(`must be an object of header names and values, got ${describe(headers)}`);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    const label = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/.test(name) ? `"${name}"` : 'a header';
    try {
      validateHeaderName(name);
    } catch {
      throw refuse(`has ${label === 'a header' ? 'a header name that is not an HTTP token' : label}`);
    }
    const owner = headerOwner(name.toLowerCase());
    if (UNCARRIED_NAMES.has(name)) throw refuse(`has a header named ${name}, which axios drops (it guards objects against prototype pollution)`);
    if (owner === 'signature') throw refuse(`cannot set ${name}: the SDK signs every request and writes Authorization itself`);
    if (owner === 'framing') {
      throw refuse(`cannot set ${name}: it frames the signed bytes on the wire, so the SDK's transport writes it for exactly what it sends`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw refuse(`${label}: its value must be a string or a number, got ${describe(value)}`);
    }
    const text = String(value);
    try {
      validateHeaderValue(name, text);
    } catch {
      throw refuse(`${label}: its value has a character HTTP cannot carry (a line break, a control character, or one beyond Latin-1)`);
    }
    out[name] = text;
  }
  return out;
}

export function stringOption(options: RequestOptions, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError('EREQUEST_OPTIONS', `The option ${key} must be a string URL`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isMultipart(value: unknown): value is MultipartLike {
  const multipart = value as Partial<Record<keyof MultipartLike, unknown>> | null;
  return typeof multipart === 'object' && multipart !== null && typeof multipart.getMeta === 'function'
    && typeof multipart.getContentType === 'function' && typeof multipart.getBody === 'function';
}

function isAbortSignal(value: unknown): value is AbortSignal {
  const signal = value as Partial<AbortSignal> | null;
  return typeof signal === 'object' && signal !== null && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function';
}

/** What a value is, for a message, without repeating it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
