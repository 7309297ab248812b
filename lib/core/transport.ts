import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse, CreateAxiosDefaults } from 'axios';
import type { CertsInput, LoadedConfig } from './config.js';
import { DEFAULT_TIMEOUT } from './config.js';
import { ConfigError, RequestError } from '../errors.js';
import { AXIOS_OPTIONS, asArray, checkOptions, stringHeaders, stringOption, type Options } from './options.js';
import { PlatformKeys } from './platform-keys.js';
import { withMeta, type RequestMeta } from './request-meta.js';
import { endpointBaseURI, responseRule, v2Facts } from './routes.js';
import { SensitiveFields } from '../helpers/sensitive.js';
import type { HttpVerb, MultipartLike } from '../types.js';
import { buildQuery, expandTemplate, resolveUrl } from './uri.js';
import { userAgent } from './user-agent.js';
import { isStreamBody, readBody } from '../util/body.js';
import { multipartOf } from '../util/media.js';
import { createV2Instance } from '../v2/instance.js';
import { createV3Instance } from '../v3/instance.js';
import { ACCEPT, CONTENT_TYPE_JSON } from '../v3/signer.js';


/** One merchant's HTTP side: axios instances that sign every request and verify every answer. */
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
  transformRequest: [],
  transformResponse: [],
  validateStatus: () => true,
  responseType: 'arraybuffer',
  allowAbsoluteUrls: true,
  baseURL: undefined,
} satisfies AxiosRequestConfig;
/** The caller's settings that the SDK applies itself (after verification) or that have no meaning here. */
const CALLER_HOOKS = ['transformResponse', 'validateStatus', 'transformRequest', 'responseType', 'allowAbsoluteUrls'] as const;

export function createTransport(config: LoadedConfig): Transport {
  let platformKeys = config.platformKeys;
  const agent = userAgent();
  const { transformResponse: configTransforms, validateStatus: configValidateStatus, ...instanceSettings } = config.axios;
  for (const key of CALLER_HOOKS) Reflect.deleteProperty(instanceSettings, key);
  const defaults: CreateAxiosDefaults = {
    timeout: DEFAULT_TIMEOUT,
    maxRedirects: 0,
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    ...instanceSettings,
    ...OWNED_DEFAULTS,
  };
  const sensitive = new SensitiveFields(() => platformKeys, config.merchant.privateKey);
  const v3 = createV3Instance({
    axios: defaults,
    merchant: config.merchant,
    userAgent: agent,
    sensitive,
    platformKeys: () => platformKeys,
    maxClockOffset: config.maxClockOffset,
  });
  let v2: AxiosInstance | undefined;
  let tlsAgent: https.Agent | undefined;
  const defaultHeaders = stringHeaders(config.headers);
  /** The headers of a JSON request, caller defaults included: built once. */
  const jsonHeaders = { Accept: ACCEPT, 'Content-Type': CONTENT_TYPE_JSON, 'User-Agent': agent, ...defaultHeaders };

  /** The parts of an axios request common to both protocols: caller settings, hooks, headers. */
  function baseRequest(verb: HttpVerb, url: URL, options: Options, headers: Record<string, string>): [AxiosRequestConfig, Pick<RequestMeta, 'transformResponse' | 'validateStatus'>] {
    const own = options['headers'] as Options | undefined;
    const request: AxiosRequestConfig = {
      method: verb,
      url: url.href,
      headers: own ? { ...headers, ...stringHeaders(own) } : headers,
    };
    for (const key in options) {
      if (AXIOS_OPTIONS.has(key)) (request as Options)[key] = options[key];
    }
    const hooks = {
      transformResponse: asArray((request.transformResponse ?? configTransforms) as RequestMeta['transformResponse']),
      validateStatus: request.validateStatus ?? configValidateStatus ?? undefined,
    };
    for (const key of CALLER_HOOKS) {
      if (key in request) (request as Options)[key] = OWNED_DEFAULTS[key];
    }
    return [request, hooks];
  }

  function baseURLOf(template: string, options: Options): string {
    return stringOption(options, 'baseURL') ?? stringOption(options, 'base_uri')
      ?? (config.customBaseURL ? undefined : endpointBaseURI(template)) ?? config.baseURL;
  }

  async function dispatchV3(verb: HttpVerb, template: string, options: Options): Promise<AxiosResponse> {
    const path = expandTemplate(template, options);
    const url = resolveUrl(baseURLOf(template, options), path, buildQuery((options['query'] ?? options['params']) as Options | undefined));
    // `multipart: media`, or wechatpay-php's `body: media.getStream()` (a stream MediaUtil made).
    const multipart = (options['multipart'] as MultipartLike | undefined) ?? multipartOf(options['body']);
    await multipart?.ready?.();
    const contentLength = multipart?.getContentLength?.();
    const [request, hooks] = baseRequest(verb, url, options, multipart
      ? {
        ...jsonHeaders,
        'Content-Type': multipart.getContentType(),
        ...(contentLength === undefined ? {} : { 'Content-Length': String(contentLength) }),
        ...defaultHeaders,
      }
      : jsonHeaders);
    const rule = responseRule(verb, path);
    if (rule === 'unsigned-download' && options['responseType'] === 'stream') request.responseType = 'stream';
    const given = options['multipart'] !== undefined ? multipart!.getBody() : options['body'];
    // A raw stream body is read here so that the signer signs (and axios sends) exactly those bytes.
    const body = !multipart && isStreamBody(given) ? await readBody(given) : given;
    if (body !== undefined) request.data = body;
    const meta: RequestMeta = { template, rule, json: options['json'], multipartMeta: multipart?.getMeta(), ...hooks };
    const sending = v3.request(withMeta(request, meta));
    // An upload that ends early (an error, an early answer) stops reading the file and frees a spooled stream.
    return multipart && body instanceof Readable ? sending.finally(() => body.destroy()) : sending;
  }

  async function dispatchV2(verb: HttpVerb, template: string, options: Options): Promise<AxiosResponse> {
    if (config.secret === undefined) {
      throw new ConfigError('secret', `is not configured: ${template} is an APIv2 endpoint, signed with the 32-byte APIv2 secret`);
    }
    const xml = options['xml'] ?? {};
    if (typeof xml !== 'object' || xml === null || Array.isArray(xml)) {
      throw new RequestError('EREQUEST_OPTIONS', `${template}: the xml option must be an object of the fields to send`);
    }
    if (options['multipart'] !== undefined) {
      throw new RequestError('EREQUEST_PROTOCOL',
        `${template}: APIv2 multipart uploads (media + media_hash form fields) are not supported in this version`);
    }
    if (options['json'] !== undefined) {
      throw new RequestError('EREQUEST_OPTIONS', `${template} is an APIv2 (XML) endpoint: give its fields as \`xml\``);
    }
    const facts = v2Facts(template);
    const path = expandTemplate(template, options).replace(/^\/*v2\//, '');
    const query = (options['query'] ?? options['params']) as Options | undefined;
    // The GET endpoints carry every field in the query, all of them signed: `query` and `xml` are one payload there.
    const payload = facts.get ? { ...query, ...(xml as Options) } : (xml as Options);
    const url = resolveUrl(baseURLOf(template, options), path, facts.get ? '' : buildQuery(query));
    const [request, hooks] = baseRequest(facts.get ? 'get' : verb, url, options, { 'User-Agent': agent, ...defaultHeaders });
    if (options['security'] ?? facts.certRequired) {
      if (!config.tls) {
        throw new ConfigError('merchant',
          `is not configured: ${template} needs the merchant API certificate (mutual TLS); Builder.factory({ ..., merchant: { cert, key } })`);
      }
      tlsAgent ??= new https.Agent({ keepAlive: true, secureContext: config.tls });
      request.httpsAgent = tlsAgent;
    }
    const meta: RequestMeta = {
      template,
      rule: 'signed',
      v2: { xml: payload, nonceless: options['nonceless'] === true, get: facts.get, unsigned: facts.unsignedResponse },
      ...hooks,
    };
    v2 ??= createV2Instance({ axios: defaults, mchid: config.merchant.mchid, secret: config.secret, userAgent: agent });
    return v2.request(withMeta(request, meta));
  }

  return {
    async dispatch(verb, template, rawOptions) {
      const options = checkOptions(template, rawOptions);
      return /^\/*v2\//.test(template) ? dispatchV2(verb, template, options) : dispatchV3(verb, template, options);
    },
    sensitive,
    platformKeys: () => platformKeys,
    setCerts(certs: CertsInput) {
      platformKeys = PlatformKeys.load(certs, config.merchant.serial);
    },
  };
}

