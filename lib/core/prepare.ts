import { isUtf8 } from 'node:buffer';
import type { Agent } from 'node:https';
import { Readable } from 'node:stream';
import type { AxiosRequestConfig, AxiosResponseTransformer, CancelToken } from 'axios';
import { ALGO_MD5 } from '../crypto/hash.js';
import { ConfigError, RequestError } from '../errors.js';
import type { HttpVerb, MultipartLike } from '../types.js';
import { isStreamBody, readBody, bytesOf } from '../util/body.js';
import type { Exchange, V3Exchange } from '../util/exchange.js';
import { MediaUtil, multipartOf } from '../util/media.js';
import { buildQuery } from '../util/query.js';
import { ACCEPT_XML, CONTENT_TYPE_XML } from '../v2/signer.js';
import { ACCEPT, CONTENT_TYPE_JSON } from '../v3/signer.js';
import { Call } from './call.js';
import type { LoadedConfig } from './config.js';
import type { Deadline } from './deadline.js';
import { AXIOS_OPTIONS, checkHeaders, stringOption, type RequestOptions } from './options.js';
import { responseRule } from '../v3/response-rule.js';
import { endpointBaseURI, v2Traits } from './routes.js';
import { guardedAdapterFor } from './send.js';
import { sinkTarget } from './sink.js';
import { CREDENTIALS_PROBLEM, hasCredentials } from './request-rules.js';
import { checkOrigin } from './origins.js';
import { expandTemplate, resolveUrl } from './uri.js';

/** What preparing a call needs from its client. */
export interface PrepareContext {
  readonly config: LoadedConfig;
  readonly userAgent: string;
  /** The client's default headers (`Builder.factory({ headers })`), checked, as strings. */
  readonly defaultHeaders: Readonly<Record<string, string>>;
  /** The key id a body holding values from `client.encrypt()` must name in `Wechatpay-Serial`. */
  platformSerialFor(body: string): string | undefined;
  /** The origins the client signs requests for (core/origins.ts). */
  readonly origins: ReadonlySet<string>;
  /** The keep-alive agent of APIv2 mutual-TLS calls (one per client). */
  tlsAgent(): Agent;
}

/** What the SDK's own calls add to a call (never reachable from the chain). */
export interface CallExtras {
  /** Keys the answer carries (the certificate download): see `V3Exchange.answerKeys`. */
  answerKeys?: V3Exchange['answerKeys'];
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
export const OWNED_KEYS = Object.keys(OWNED_SETTINGS) as readonly OwnedSetting[];

/**
 * An APIv3 call: the URL (template expanded, base URL, query), the headers (each set here, once), the body
 * bytes to send and the body line to sign: the JSON text (serialised once), a raw body (a stream is read
 * first, so the signed bytes are the sent bytes), or a media upload's meta JSON with its multipart stream.
 */
export async function prepareV3(
  verb: HttpVerb, template: string, options: RequestOptions, context: PrepareContext, deadline: Deadline, route = template, extras: CallExtras = {},
): Promise<Call> {
  const path = expandTemplate(template, options);
  const url = sendable(template, verb, resolveUrl(baseURLOf(template, options, context.config), path, queryString(template, queryOf(options))), context.origins);
  deadline.url = url.href;
  // `multipart: media`, or wechatpay-php's `body: media.getStream()` (a stream MediaUtil made).
  const multipart = (options.multipart as MultipartLike | undefined) ?? multipartOf(options.body);
  let data: string | Buffer | NodeJS.ReadableStream | undefined;
  let signedBody: string;
  const headers: Record<string, string> = { Accept: ACCEPT, 'Content-Type': CONTENT_TYPE_JSON, 'User-Agent': context.userAgent };
  if (options.json !== undefined) {
    data = jsonText(template, options.json);
    signedBody = data;
  } else if (multipart) {
    await multipart.ready?.();
    if (deadline.signal.aborted) throw deadline.signal.reason;
    const length = multipart.getContentLength?.();
    headers['Content-Type'] = multipart.getContentType();
    if (length !== undefined) headers['Content-Length'] = String(length);
    data = options.multipart !== undefined ? multipart.getBody() : options.body as NodeJS.ReadableStream;
    signedBody = multipart.getMeta();
  } else {
    const raw = isStreamBody(options.body) ? await readStreamBody(options.body, deadline.signal) : options.body;
    const bytes = raw === undefined || raw === null || raw === '' ? undefined : bytesOf(raw);
    if (raw !== undefined && raw !== null && raw !== '' && !bytes) {
      throw new RequestError('EREQUEST_OPTIONS', `${template}: a raw body must be a string, Buffer, Uint8Array or readable stream`);
    }
    // The signature's body line is text: bytes that are not UTF-8 would be signed as U+FFFD and sent as they are.
    if (bytes && !isUtf8(bytes)) {
      throw new RequestError('EREQUEST_OPTIONS', `${template}: a raw body is signed as UTF-8 text, and this one is not UTF-8: ` +
        'send files as multipart (MediaUtil), whose signed part is its meta JSON');
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
  const { request, headers: sent } = baseRequest(template, verb, url, options, [headers, context.defaultHeaders], deadline);
  // A sink, or a download asked for as a stream, streams the answer: no size limit, its own check on the way.
  // A signed answer is verified whole before a sink writes it: read into memory, bounded like any other.
  const streamed = (sink !== undefined && rule !== 'signed') || (rule === 'unsigned-download' && options['responseType'] === 'stream');
  if (streamed) request.responseType = 'stream';
  if (data !== undefined) request.data = data;
  const exchange: Exchange = {
    protocol: 'v3',
    template,
    route,
    signedBody,
    rule,
    acceptStatus: acceptStatusOf(options, context.config),
    sink: sink !== undefined,
    answer: { maxContentLength: maxContentLengthOf(options, context.config), streamed },
    ...(extras.answerKeys ? { answerKeys: extras.answerKeys } : {}),
  };
  // An upload that ends early (an error, an early answer) stops reading the file and frees a spooled stream.
  const release = multipart && data instanceof Readable ? () => data.destroy() : undefined;
  return new Call(request, sent, exchange, transformsOf(options, context.config), release, sink);
}

/**
 * An APIv2 call: the URL and headers, and the fields the signer will sign and write as XML (or, for the
 * GET endpoints, as the query string, where `query` and `xml` are one payload; for an upload, as form
 * fields beside the file, `media_hash` its MD5); mutual TLS when the endpoint needs it or the call says
 * `security: true`.
 */
export async function prepareV2(
  verb: HttpVerb, template: string, options: RequestOptions, context: PrepareContext, deadline: Deadline, route = template,
): Promise<Call> {
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
  const url = sendable(template, traits.get ? 'get' : verb, resolveUrl(baseURLOf(template, options, config), path, traits.get ? '' : queryString(template, query)), context.origins);
  deadline.url = url.href;
  const contentType = upload ? upload.media.getContentType() : CONTENT_TYPE_XML;
  const headers = { Accept: ACCEPT_XML, 'Content-Type': contentType, 'User-Agent': context.userAgent };
  const { request, headers: sent } = baseRequest(template, traits.get ? 'get' : verb, url, options, [headers, context.defaultHeaders], deadline);
  const sink = sinkTarget(template, options.sink);
  if (sink) request.responseType = 'stream';
  const mutualTls = (options.security as boolean | undefined) ?? traits.certRequired;
  if (mutualTls) {
    if (!config.tls) {
      throw new ConfigError('merchant',
        `is not configured: ${template} needs the merchant API certificate (mutual TLS); Builder.factory({ ..., merchant: { cert, key } })`);
    }
    if (options.security === true && url.protocol !== 'https:') {
      throw new RequestError('EREQUEST_OPTIONS',
        `${template}: security: true sends the merchant certificate over TLS, which an ${url.protocol}// URL does not have: ` +
        'use an https:// base URL (a plain-HTTP sandbox takes the call without security: true)', { method: request.method?.toUpperCase(), url: url.href });
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
    mutualTls,
    acceptStatus: acceptStatusOf(options, config),
    sink: sink !== undefined,
    ...(upload ? { upload: upload.media } : {}),
    answer: { maxContentLength: maxContentLengthOf(options, config), streamed: sink !== undefined },
  };
  // An upload that ends early stops reading the file.
  const release = upload ? () => (exchange.signed?.data as Readable | undefined)?.destroy?.() : undefined;
  return new Call(request, sent, exchange, transformsOf(options, config), release, sink);
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

/**
 * The axios request common to both protocols: method, URL, the caller's axios settings, then the settings the SDK
 * owns; and its headers (the call's own last, checked), which the request interceptor puts on axios's header
 * object (core/transport.ts), so that axios does not copy and re-check them on every request. The deadline (its
 * token) replaces `signal`, `cancelToken` and axios's own `timeout` (which only measures idle time), and receive()
 * applies `maxContentLength`.
 */
function baseRequest(
  template: string, verb: HttpVerb, url: URL, options: RequestOptions, headers: ReadonlyArray<Readonly<Record<string, string>>>, deadline: Deadline,
): { request: AxiosRequestConfig; headers: Record<string, string> } {
  const own = checkHeaders(options.headers, (problem) => new RequestError('EREQUEST_OPTIONS', `${template}: headers ${problem}`));
  const request: AxiosRequestConfig = { method: verb, url: url.href };
  for (const key in options) {
    if (AXIOS_OPTIONS.has(key)) (request as Record<string, unknown>)[key] = options[key];
  }
  for (const key of OWNED_KEYS) {
    if (key in request) (request as Record<string, unknown>)[key] = OWNED_SETTINGS[key];
  }
  // axios's adapter is ended by the deadline's token (no AbortSignal per call: core/deadline.ts); an adapter
  // of the caller's gets the deadline's signal too (core/send.ts). Deletes only when needed: they slow the object.
  if ('signal' in request) delete request.signal;
  request.cancelToken = deadline.token as unknown as CancelToken;
  if ('timeout' in request) request.timeout = 0;
  if ('maxContentLength' in request) delete request.maxContentLength;
  // The caller's own adapter sends too, but only after the same check as the SDK's.
  if (request.adapter !== undefined) request.adapter = guardedAdapterFor(request.adapter);
  return { request, headers: headerSet([...headers, own]) };
}

/**
 * Header sets merged as axios merges them: a later value replaces an earlier one of the same name in any case,
 * under the name it was first given.
 */
function headerSet(sets: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  const out: Record<string, string> = { ...sets[0] };
  for (let index = 1; index < sets.length; index++) {
    for (const name in sets[index]) {
      const lower = name.toLowerCase();
      let key = name;
      for (const existing in out) {
        if (existing.toLowerCase() === lower) {
          key = existing;
          break;
        }
      }
      out[key] = sets[index]![name]!;
    }
  }
  return out;
}

/**
 * The URL a call goes to, when it is one the SDK sends: http(s), no credentials, and an origin the client signs
 * for (a template may be a whole URL, a call may give its own base URL).
 */
function sendable(template: string, verb: HttpVerb, url: URL, origins: ReadonlySet<string>): URL {
  if (hasCredentials(url)) throw new RequestError('EREQUEST_OPTIONS', `The URL of the call ${CREDENTIALS_PROBLEM}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RequestError('EREQUEST_OPTIONS', `${template}: the request would go to a ${url.protocol.length <= 12 ? url.protocol : 'non-http'} URL; the SDK sends http(s) only`);
  }
  checkOrigin(origins, url, template, verb.toUpperCase());
  return url;
}

/** `query` (or axios's name, `params`): an object (checked by checkOptions), or URLSearchParams as one. */
function queryOf(options: RequestOptions): Record<string, unknown> | undefined {
  const query = options.query ?? options.params;
  if (query instanceof URLSearchParams) {
    const out: Record<string, string[]> = {};
    for (const [key, value] of query) (out[key] ??= []).push(value);
    return out;
  }
  return (query ?? undefined) as Record<string, unknown> | undefined;
}

function queryString(template: string, query: Record<string, unknown> | undefined): string {
  try {
    return buildQuery(query);
  } catch (error) {
    // encodeURIComponent on a lone surrogate, JSON.stringify on a BigInt or a cycle
    const reason = error instanceof Error ? error.message : String(error);
    throw new RequestError('EREQUEST_OPTIONS', `${template}: the query cannot be written as a URL: ${reason}`, {}, { cause: error });
  }
}

/** The JSON text of a `json` body: the bytes that are signed and sent. */
function jsonText(template: string, json: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RequestError('EREQUEST_OPTIONS', `${template}: json cannot be serialised: ${reason}`, {}, { cause: error });
  }
  if (typeof text !== 'string') throw new RequestError('EREQUEST_OPTIONS', `${template}: json must be data JSON can write, got a ${typeof json}`);
  return text;
}

/** A raw body given as a stream, read whole so that the signed bytes are the sent bytes. */
async function readStreamBody(body: unknown, signal: AbortSignal): Promise<Buffer> {
  try {
    return await readBody(body, { signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const reason = error instanceof Error ? error.message : String(error);
    throw new RequestError('EREQUEST_BODY', `The request body stream failed while it was read: ${reason}`, {}, { cause: error });
  }
}

function maxContentLengthOf(options: RequestOptions, config: LoadedConfig): number {
  return (options['maxContentLength'] as number | undefined) ?? config.maxContentLength;
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
