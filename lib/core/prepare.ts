import type { Agent } from 'node:https';
import { Readable } from 'node:stream';
import type { AxiosRequestConfig, AxiosResponseTransformer } from 'axios';
import { ALGO_MD5 } from '../crypto/hash.js';
import { ConfigError, RequestError } from '../errors.js';
import type { HttpVerb, MultipartLike } from '../types.js';
import { isStreamBody, readBody, bytesOf } from '../util/body.js';
import { attachExchange, type Exchange, type V3Exchange } from '../util/exchange.js';
import { MediaUtil, multipartOf } from '../util/media.js';
import { buildQuery } from '../util/query.js';
import { ACCEPT_XML, CONTENT_TYPE_XML } from '../v2/signer.js';
import { ACCEPT, CONTENT_TYPE_JSON } from '../v3/signer.js';
import type { LoadedConfig } from './config.js';
import { AXIOS_OPTIONS, stringHeaders, stringOption, type RequestOptions } from './options.js';
import { endpointBaseURI, responseRule, v2Traits } from './routes.js';
import { guardedAdapterFor } from './send.js';
import { sinkTarget, type SinkTarget } from './sink.js';
import { expandTemplate, resolveUrl } from './uri.js';

/** What preparing a call needs from its client. */
export interface PrepareContext {
  readonly config: LoadedConfig;
  readonly userAgent: string;
  /** The client's default headers (`Builder.factory({ headers })`), as strings. */
  readonly defaultHeaders: Readonly<Record<string, string>>;
  /** The key id a body holding values from `client.encrypt()` must name in `Wechatpay-Serial`. */
  platformSerialFor(body: string): string | undefined;
  /** The keep-alive agent of APIv2 mutual-TLS calls (one per client). */
  tlsAgent(): Agent;
}

/** What the SDK's own calls add to a call (never reachable from the chain). */
export interface CallExtras {
  /** Keys the answer carries (the certificate download): see `V3Exchange.answerKeys`. */
  answerKeys?: V3Exchange['answerKeys'];
}

/** A call ready for its protocol's axios instance: the request, and what travels with it. */
export interface PreparedCall {
  readonly request: AxiosRequestConfig;
  readonly exchange: Exchange;
  /** The caller's `transformResponse`, applied to `data` once the answer is verified. */
  readonly transformResponse: readonly AxiosResponseTransformer[];
  /** Frees what the call holds (an upload's file stream) when it ends, however it ends. */
  readonly release: (() => void) | undefined;
  /** Where the answer goes (`sink`), if anywhere but `data`. */
  readonly sink?: SinkTarget;
}

/** Settings the SDK owns on every request: bytes in and out untouched by axios, every status handled by the verifier. */
export const OWNED_SETTINGS = {
  transformRequest: [],
  transformResponse: [],
  validateStatus: () => true,
  responseType: 'arraybuffer',
  allowAbsoluteUrls: true,
  baseURL: undefined,
} satisfies AxiosRequestConfig;
type OwnedSetting = keyof typeof OWNED_SETTINGS;

/**
 * An APIv3 call: the URL (template expanded, base URL, query), the headers (each set here, once), the body
 * bytes to send and the body line to sign: the JSON text (serialised once), a raw body (a stream is read
 * first, so the signed bytes are the sent bytes), or a media upload's meta JSON with its multipart stream.
 */
export async function prepareV3(verb: HttpVerb, template: string, options: RequestOptions, context: PrepareContext, route = template, extras: CallExtras = {}): Promise<PreparedCall> {
  const path = expandTemplate(template, options);
  const url = resolveUrl(baseURLOf(template, options, context.config), path, buildQuery(queryOf(options)));
  // `multipart: media`, or wechatpay-php's `body: media.getStream()` (a stream MediaUtil made).
  const multipart = (options.multipart as MultipartLike | undefined) ?? multipartOf(options.body);
  let data: string | Buffer | NodeJS.ReadableStream | undefined;
  let signedBody: string;
  const headers: Record<string, string> = { Accept: ACCEPT, 'Content-Type': CONTENT_TYPE_JSON, 'User-Agent': context.userAgent };
  if (options.json !== undefined) {
    data = JSON.stringify(options.json);
    signedBody = data;
  } else if (multipart) {
    await multipart.ready?.();
    const length = multipart.getContentLength?.();
    headers['Content-Type'] = multipart.getContentType();
    if (length !== undefined) headers['Content-Length'] = String(length);
    data = options.multipart !== undefined ? multipart.getBody() : options.body as NodeJS.ReadableStream;
    signedBody = multipart.getMeta();
  } else {
    const raw = isStreamBody(options.body) ? await readBody(options.body) : options.body;
    const bytes = raw === undefined || raw === null || raw === '' ? undefined : bytesOf(raw);
    if (raw !== undefined && raw !== null && raw !== '' && !bytes) {
      throw new RequestError('EREQUEST_OPTIONS', `${template}: a raw body must be a string, Buffer, Uint8Array or readable stream`);
    }
    data = bytes;
    signedBody = bytes ? bytes.toString('utf8') : '';
  }
  if (verb === 'get' && signedBody !== '' && !multipart) {
    throw new RequestError('EREQUEST_OPTIONS', 'A GET request cannot carry a body', { method: 'GET', url: url.href });
  }
  const platformSerial = context.platformSerialFor(signedBody);
  if (platformSerial) headers['Wechatpay-Serial'] = platformSerial;

  const rule = responseRule(verb, url.pathname);
  const sink = sinkTarget(template, options.sink);
  const request = baseRequest(verb, url, options, { ...headers, ...context.defaultHeaders });
  if (sink || (rule === 'unsigned-download' && options['responseType'] === 'stream')) request.responseType = 'stream';
  if (data !== undefined) request.data = data;
  const exchange: Exchange = {
    protocol: 'v3', template, route, signedBody, rule, acceptStatus: acceptStatusOf(options, context.config), sink: sink !== undefined,
    ...(extras.answerKeys ? { answerKeys: extras.answerKeys } : {}),
  };
  // An upload that ends early (an error, an early answer) stops reading the file and frees a spooled stream.
  const release = multipart && data instanceof Readable ? () => data.destroy() : undefined;
  return { request: attachExchange(request, exchange), exchange, transformResponse: transformsOf(options, context.config), release, ...(sink ? { sink } : {}) };
}

/**
 * An APIv2 call: the URL and headers, and the fields the signer will sign and write as XML (or, for the
 * GET endpoints, as the query string, where `query` and `xml` are one payload; for an upload, as form
 * fields beside the file, `media_hash` its MD5); mutual TLS when the endpoint needs it or the call says
 * `security: true`.
 */
export async function prepareV2(verb: HttpVerb, template: string, options: RequestOptions, context: PrepareContext, route = template): Promise<PreparedCall> {
  const { config } = context;
  if (config.secret === undefined) {
    throw new ConfigError('secret', `is not configured: ${template} is an APIv2 endpoint, signed with the 32-byte APIv2 secret`);
  }
  const xml = options.xml ?? {};
  if (typeof xml !== 'object' || xml === null || Array.isArray(xml)) {
    throw new RequestError('EREQUEST_OPTIONS', `${template}: the xml option must be an object of the fields to send`);
  }
  if (options.json !== undefined) {
    throw new RequestError('EREQUEST_OPTIONS', `${template} is an APIv2 (XML) endpoint: give its fields as \`xml\``);
  }
  const upload = await v2Upload(template, options.multipart, xml as Record<string, unknown>, config.credentials.mchid);
  const traits = v2Traits(template);
  const path = expandTemplate(template, options).replace(/^\/*v2\//, '');
  const query = queryOf(options);
  const fields = upload?.fields ?? (traits.get ? { ...query, ...(xml as Record<string, unknown>) } : (xml as Record<string, unknown>));
  const url = resolveUrl(baseURLOf(template, options, config), path, traits.get ? '' : buildQuery(query));
  const contentType = upload ? upload.media.getContentType() : CONTENT_TYPE_XML;
  const headers = { Accept: ACCEPT_XML, 'Content-Type': contentType, 'User-Agent': context.userAgent, ...context.defaultHeaders };
  const request = baseRequest(traits.get ? 'get' : verb, url, options, headers);
  const sink = sinkTarget(template, options.sink);
  if (sink) request.responseType = 'stream';
  if (options.security ?? traits.certRequired) {
    if (!config.tls) {
      throw new ConfigError('merchant',
        `is not configured: ${template} needs the merchant API certificate (mutual TLS); Builder.factory({ ..., merchant: { cert, key } })`);
    }
    request.httpsAgent = context.tlsAgent();
  }
  const exchange: Exchange = {
    protocol: 'v2',
    template,
    route,
    fields,
    // An upload's documented fields have no nonce_str (wechatpay-php's sample signs mch_id, media_hash, sign_type).
    nonceless: options.nonceless === true || (upload !== undefined && options.nonceless === undefined),
    inQuery: traits.get,
    unsignedAnswer: traits.unsignedResponse,
    acceptStatus: acceptStatusOf(options, config),
    sink: sink !== undefined,
    ...(upload ? { upload: upload.media } : {}),
  };
  // An upload that ends early stops reading the file.
  const release = upload ? () => (exchange.signed?.data as Readable | undefined)?.destroy?.() : undefined;
  return { request: attachExchange(request, exchange), exchange, transformResponse: transformsOf(options, config), release, ...(sink ? { sink } : {}) };
}

/**
 * An APIv2 upload (`multipart: media`): the MediaUtil, hashed, and the fields to sign: `mch_id` (the
 * configured merchant unless `xml` gives it), any other `xml` field, `media_hash` (the file's MD5) and
 * `sign_type` (MD5 unless `xml` says HMAC-SHA256).
 */
async function v2Upload(template: string, multipart: unknown, xml: Record<string, unknown>, mchid: string):
Promise<{ media: MediaUtil; fields: Record<string, unknown> } | undefined> {
  if (multipart === undefined) return undefined;
  if (!(multipart instanceof MediaUtil)) {
    throw new RequestError('EREQUEST_OPTIONS',
      `${template}: an APIv2 upload takes a MediaUtil as \`multipart\` (the SDK signs its MD5 as media_hash with the other form fields)`);
  }
  await multipart.ready();
  const { mch_id: given, sign_type: signType, ...rest } = xml;
  return { media: multipart, fields: { mch_id: given ?? mchid, ...rest, media_hash: multipart.getMd5(), sign_type: signType ?? ALGO_MD5 } };
}

/** The axios request common to both protocols: method, URL, headers (the call's own last), the caller's axios settings. */
function baseRequest(verb: HttpVerb, url: URL, options: RequestOptions, headers: Record<string, string>): AxiosRequestConfig {
  const own = options.headers as Readonly<Record<string, unknown>> | undefined;
  const request: AxiosRequestConfig = { method: verb, url: url.href, headers: own ? { ...headers, ...stringHeaders(own) } : headers };
  for (const key in options) {
    if (AXIOS_OPTIONS.has(key)) (request as Record<string, unknown>)[key] = options[key];
  }
  for (const key of Object.keys(OWNED_SETTINGS) as OwnedSetting[]) {
    if (key in request) (request as Record<string, unknown>)[key] = OWNED_SETTINGS[key];
  }
  // The caller's own adapter sends too, but only after the same check as the SDK's.
  if (request.adapter !== undefined) request.adapter = guardedAdapterFor(request.adapter);
  return request;
}

function queryOf(options: RequestOptions): Record<string, unknown> | undefined {
  return (options.query ?? options.params) as Record<string, unknown> | undefined;
}

function baseURLOf(template: string, options: RequestOptions, config: LoadedConfig): string {
  return stringOption(options, 'baseURL') ?? stringOption(options, 'base_uri')
    ?? (config.customBaseURL ? undefined : endpointBaseURI(template)) ?? config.baseURL;
}

function acceptStatusOf(options: RequestOptions, config: LoadedConfig): ((status: number) => boolean) | undefined {
  const own = options['validateStatus'] as ((status: number) => boolean) | null | undefined;
  return own ?? config.validateStatus ?? undefined;
}

function transformsOf(options: RequestOptions, config: LoadedConfig): readonly AxiosResponseTransformer[] {
  const given = (options['transformResponse'] ?? config.transformResponse) as AxiosResponseTransformer | AxiosResponseTransformer[] | undefined;
  if (given === undefined) return [];
  return Array.isArray(given) ? given : [given];
}
