import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { ApiError, RequestError, WechatpayError, type ExchangeFacts } from './errors.js';
import type { LoadedConfig, CertsInput } from './config.js';
import { DEFAULT_TIMEOUT } from './config.js';
import { PlatformKeys } from './platform-keys.js';
import { SensitiveFields } from './sensitive.js';
import { withMeta, requestMeta, type RequestMeta } from './request-meta.js';
import { responseRule } from './routes.js';
import type { HttpVerb, MultipartLike } from './types.js';

/** What a media upload gives the client: the signed meta, the multipart bytes and their content type. */
interface MultipartBody extends MultipartLike {
  getContentType(): string;
  getBody(): unknown;
  /** Hashes the file (MediaUtil): awaited before the meta is read. */
  ready?(): Promise<unknown>;
  /** The body's length once ready, sent as Content-Length. */
  getContentLength?(): number | undefined;
}
import { buildQuery, expandTemplate, resolveUrl, templateVariables } from './uri.js';
import { readBody } from './util/body.js';
import { multipartOf } from './util/media.js';
import { headerOf, plainHeaders, type HeaderBag } from './util/headers.js';
import { userAgent } from './user-agent.js';
import { ACCEPT, CONTENT_TYPE_JSON, createSigner } from './v3/signer.js';
import { verifySigned } from './v3/verifier.js';

/** Request options the SDK reads itself; every other key is a URI variable or an axios setting. */
const PAYLOAD_OPTIONS = new Set(['json', 'query', 'params', 'body', 'multipart', 'xml', 'security', 'nonceless', 'headers', 'baseURL', 'base_uri']);
/** axios settings a request may carry through (everything but what the SDK owns: url, method, data). */
const AXIOS_OPTIONS = new Set([
  'timeout', 'timeoutErrorMessage', 'signal', 'cancelToken', 'adapter', 'responseType', 'responseEncoding',
  'maxContentLength', 'maxBodyLength', 'maxRedirects', 'maxRate', 'beforeRedirect', 'onUploadProgress',
  'onDownloadProgress', 'httpAgent', 'httpsAgent', 'proxy', 'decompress', 'socketPath', 'allowedSocketPaths',
  'transport', 'insecureHTTPParser', 'lookup', 'family', 'transitional', 'env', 'httpVersion', 'http2Options',
  'fetchOptions', 'withCredentials', 'auth', 'transformResponse', 'validateStatus', 'paramsSerializer',
  'formSerializer', 'parseReviver', 'redact', 'sensitiveHeaders', 'xsrfCookieName', 'xsrfHeaderName', 'withXSRFToken',
]);

type Options = Record<string, unknown>;

/** One merchant's HTTP side: an axios instance that signs every request and verifies every answer. */
export interface Transport {
  dispatch(verb: HttpVerb, template: string, options: unknown): Promise<AxiosResponse>;
  setCerts(certs: CertsInput): void;
  /** The platform keys trusted right now. */
  platformKeys(): PlatformKeys;
  /** Sensitive-field encryption bound to this merchant and its platform keys. */
  sensitive: SensitiveFields;
}

/** Settings the SDK owns on every request: bytes in and out untouched by axios, every status handled here. */
const OWNED_DEFAULTS = {
  transformRequest: [(data: unknown) => data],
  transformResponse: [(data: unknown) => data],
  validateStatus: () => true,
  responseType: 'arraybuffer',
  allowAbsoluteUrls: true,
  baseURL: undefined,
} satisfies AxiosRequestConfig;
/** The caller's response hooks, from the config or a request: applied after verification. */
const CALLER_HOOKS = ['transformResponse', 'validateStatus', 'transformRequest', 'responseType', 'allowAbsoluteUrls'] as const;

export function createTransport(config: LoadedConfig): Transport {
  let platformKeys = config.platformKeys;
  const agent = userAgent();
  const { transformResponse: configTransforms, validateStatus: configValidateStatus, ...instanceSettings } = config.axios;
  for (const key of CALLER_HOOKS) Reflect.deleteProperty(instanceSettings, key);
  const instance: AxiosInstance = axios.create({
    timeout: DEFAULT_TIMEOUT,
    maxRedirects: 0,
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    ...instanceSettings,
    ...OWNED_DEFAULTS,
  });
  // Every request carries its complete headers; axios's per-method default headers would only be deep-copied each time.
  instance.defaults.headers = {} as typeof instance.defaults.headers;
  const sensitive = new SensitiveFields(() => platformKeys, config.merchant.privateKey);
  instance.interceptors.request.use(createSigner(config.merchant, agent, (body) => sensitive.serialFor(body)));
  instance.interceptors.response.use(
    async (response) => {
      const meta = requestMeta(response.config);
      const ok = response.status >= 200 && response.status < 300;
      if (ok && meta.rule === 'unsigned-download') return finish(response, meta, response.data);

      const raw = await readBody(response.data ?? '');
      if (ok) {
        verifySigned({ headers: response.headers, raw, facts: exchangeFacts(response) }, {
          keys: platformKeys.byId,
          maxClockOffset: config.maxClockOffset,
          statement: meta.rule === 'statement',
        });
        return finish(response, meta, parseBody(raw, response.headers));
      }
      if (meta.validateStatus?.(response.status)) return finish(response, meta, parseBody(raw, response.headers));
      throw apiError(raw, { ...exchangeFacts(response), headers: plainHeaders(response.headers) });
    },
    (error: unknown) => {
      throw asSdkError(error);
    },
  );

  const defaultHeaders = stringHeaders(config.headers);

  async function dispatch(verb: HttpVerb, template: string, rawOptions: unknown): Promise<AxiosResponse> {
    const options = checkOptions(template, rawOptions);
    if (/^\/*v2\//.test(template)) {
      throw new RequestError('EREQUEST_PROTOCOL',
        `${template} is an APIv2 (XML) endpoint; APIv2 is not available in this version, and it is never sent unsigned`);
    }
    const path = expandTemplate(template, options);
    const baseURL = stringOption(options, 'baseURL') ?? stringOption(options, 'base_uri') ?? config.baseURL;
    const query = (options['query'] ?? options['params']) as Options | undefined;
    const url = resolveUrl(baseURL, path, buildQuery(query));
    // `multipart: media`, or wechatpay-php's `body: media.getStream()` (a stream MediaUtil made).
    const multipart = (options['multipart'] as MultipartBody | undefined) ?? multipartOf(options['body']);
    await multipart?.ready?.();
    const contentLength = multipart?.getContentLength?.();

    const rule = responseRule(verb, path);
    const request: AxiosRequestConfig = {
      method: verb,
      url: url.href,
      headers: {
        Accept: ACCEPT,
        'Content-Type': multipart ? multipart.getContentType() : CONTENT_TYPE_JSON,
        ...(contentLength === undefined ? {} : { 'Content-Length': String(contentLength) }),
        'User-Agent': agent,
        ...defaultHeaders,
        ...stringHeaders(options['headers'] as Options | undefined),
      },
    };
    for (const key in options) {
      if (AXIOS_OPTIONS.has(key)) (request as Options)[key] = options[key];
    }
    const meta: RequestMeta = {
      template,
      rule,
      json: options['json'],
      multipartMeta: multipart?.getMeta(),
      transformResponse: asArray((request.transformResponse ?? configTransforms) as RequestMeta['transformResponse']),
      validateStatus: request.validateStatus ?? configValidateStatus ?? undefined,
    };
    for (const key of CALLER_HOOKS) {
      if (key in request) (request as Options)[key] = OWNED_DEFAULTS[key];
    }
    if (rule === 'unsigned-download' && options['responseType'] === 'stream') request.responseType = 'stream';
    const body = options['multipart'] !== undefined ? multipart!.getBody() : options['body'];
    if (body !== undefined) request.data = body;
    const sending = instance.request(withMeta(request, meta));
    // An upload that ends early (an error, an early answer) stops reading the file and frees a spooled stream.
    return multipart && body instanceof Readable ? sending.finally(() => body.destroy()) : sending;
  }

  return {
    dispatch,
    sensitive,
    platformKeys: () => platformKeys,
    setCerts(certs: CertsInput) {
      platformKeys = PlatformKeys.load(certs, config.merchant.serial);
    },
  };
}

/** The options object of a call, with anything that is neither a URI variable, a payload option nor an axios setting refused. */
function checkOptions(template: string, raw: unknown): Options {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RequestError('EREQUEST_OPTIONS', `The options of ${template} must be an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const options = raw as Options;
  const { required, optional } = templateVariables(template);
  const variables = new Set([...required, ...optional, 'empty']);
  const unknown = Object.keys(options).filter((key) => !variables.has(key) && !PAYLOAD_OPTIONS.has(key) && !AXIOS_OPTIONS.has(key));
  if (unknown.length > 0) {
    const known = [...required, ...optional];
    throw new RequestError('EREQUEST_OPTIONS',
      `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} for ${template}: ` +
      `not a variable of the template (${known.length ? known.join(', ') : 'it has none'}), a request option ` +
      '(json, query, headers, body, multipart, baseURL, ...) nor an axios setting');
  }
  if (options['transformRequest'] !== undefined) {
    throw new RequestError('EREQUEST_OPTIONS',
      `${template}: transformRequest is not supported: it would change the body after it is signed; shape \`json\` or \`body\` instead`);
  }
  for (const key of ['json', 'multipart', 'body'].filter((name) => options[name] !== undefined)) {
    const others = ['json', 'multipart', 'body'].filter((name) => name !== key && options[name] !== undefined);
    if (others.length > 0) {
      throw new RequestError('EREQUEST_OPTIONS', `${template}: give one of json, multipart or body, not ${[key, ...others].join(' and ')}`);
    }
  }
  return options;
}

function stringOption(options: Options, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestError('EREQUEST_OPTIONS', `The option ${key} must be a string URL`);
  return value;
}

function stringHeaders(headers: Options | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  return out;
}

function asArray<T>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

function exchangeFacts(response: AxiosResponse): ExchangeFacts {
  return {
    method: response.config.method?.toUpperCase(),
    url: response.config.url,
    status: response.status,
    requestId: headerOf(response.headers, 'Request-ID'),
  };
}

/** The verified body as data: JSON parsed, text as a string, anything else (files) as a Buffer; empty is undefined. */
function parseBody(raw: Buffer, headers: HeaderBag): unknown {
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

function finish(response: AxiosResponse, meta: RequestMeta, data: unknown): AxiosResponse {
  let value = data;
  for (const transform of meta.transformResponse ?? []) {
    value = transform.call(response.config, value, response.headers, response.status);
  }
  response.data = value;
  return response;
}

function apiError(raw: Buffer, facts: ExchangeFacts & { headers: Record<string, string> }): ApiError {
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
function asSdkError(error: unknown): WechatpayError {
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

