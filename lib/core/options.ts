import { RequestError } from '../errors.js';
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
const PAYLOAD_OPTIONS = new Set(['json', 'query', 'params', 'body', 'multipart', 'xml', 'security', 'nonceless', 'headers', 'baseURL', 'base_uri', 'sink']);
/** axios settings a request may carry through (everything but what the SDK owns: url, method, data). */
export const AXIOS_OPTIONS: ReadonlySet<string> = new Set([
  'timeout', 'timeoutErrorMessage', 'signal', 'cancelToken', 'adapter', 'responseType', 'responseEncoding',
  'maxContentLength', 'maxBodyLength', 'maxRedirects', 'maxRate', 'beforeRedirect', 'onUploadProgress',
  'onDownloadProgress', 'httpAgent', 'httpsAgent', 'proxy', 'decompress', 'socketPath', 'allowedSocketPaths',
  'transport', 'insecureHTTPParser', 'lookup', 'family', 'transitional', 'env', 'httpVersion', 'http2Options',
  'fetchOptions', 'withCredentials', 'auth', 'transformResponse', 'validateStatus', 'paramsSerializer',
  'formSerializer', 'parseReviver', 'redact', 'sensitiveHeaders', 'xsrfCookieName', 'xsrfHeaderName', 'withXSRFToken',
]);

/** The options object of a call, with anything that is neither a URI variable, a payload option nor an axios setting refused. */
export function checkOptions(template: string, raw: unknown): RequestOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RequestError('EREQUEST_OPTIONS', `The options of ${template} must be an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const options = raw as RequestOptions;
  if (options['transformRequest'] !== undefined) {
    throw new RequestError('EREQUEST_OPTIONS',
      `${template}: transformRequest is not supported: the SDK signs the exact bytes it serialises, and a transform would change ` +
      'those bytes after signing (the platform would answer SIGN_ERROR); shape `json`, or send your own bytes with `body`');
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
  const bodies = BODY_OPTIONS.filter((name) => options[name] !== undefined);
  if (bodies.length > 1) {
    throw new RequestError('EREQUEST_OPTIONS', `${template}: give one of json, multipart or body, not ${bodies.join(' and ')}`);
  }
  return options;
}

export function stringOption(options: RequestOptions, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError('EREQUEST_OPTIONS', `The option ${key} must be a string URL`);
  return value;
}

export function stringHeaders(headers: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  return out;
}

export function asArray<T>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

