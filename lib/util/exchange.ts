import type { KeyObject } from 'node:crypto';
import axios, { type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { RequestError, WechatpayError, type ExchangeFacts } from '../errors.js';
import { headerOf } from './headers.js';

/**
 * What the protocol needs to know of one call as it travels through axios. `core/prepare.ts` makes it; the
 * protocol's request interceptor (`v3/signer.ts`, `v2/signer.ts`) signs by it and records what it signed; the
 * send guard (`core/send.ts`) compares the request about to leave with that record; the response interceptor
 * (`v3/verifier.ts`, `v2/verifier.ts`) verifies by it. It is part of the call's one state object, a
 * {@link Carried} (core/call.ts `Call`), which the request config carries.
 */
export type Exchange = V3Exchange | V2Exchange;

/** How the answer to an APIv3 request is verified: signed (the rule), or one of the documented exceptions. */
export type ResponseRule = 'signed' | 'unsigned-download' | 'statement';

interface ExchangeBase {
  /** The URI template the call was made with (for messages). */
  readonly template: string;
  /** The template as the API description names it: values written into the chain are `{variables}` again. */
  readonly route: string;
  /** The caller's status check: a non-2xx status it accepts resolves (unverified, as the platform signs only 2xx). */
  readonly acceptStatus: ((status: number) => boolean) | undefined;
  /** The answer goes to a `sink` (core/sink.ts): the verifier leaves a download's body streaming, and a verified body as bytes. */
  readonly sink?: boolean;
  /** How the answer is received (core/receive.ts). */
  readonly answer: AnswerLimits;
  /** Set by the signer: exactly what it signed, for the send guard. */
  signed?: SignedRequest;
}

export interface V3Exchange extends ExchangeBase {
  readonly protocol: 'v3';
  /** The body line of the signing string: the JSON text, the raw body's text, an upload's meta JSON, or `''`. */
  readonly signedBody: string;
  readonly rule: ResponseRule;
  /**
   * Keys the answer itself carries, to verify it with when its serial is not trusted yet: the platform
   * certificate download's bootstrap (core/auto-certificates.ts); never set on a caller's call.
   */
  readonly answerKeys?: (raw: Buffer) => ReadonlyMap<string, KeyObject>;
}

export interface V2Exchange extends ExchangeBase {
  readonly protocol: 'v2';
  /** The fields to sign and send (`nonce_str` and `sign` are added by the signer). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly nonceless: boolean;
  /** The endpoint takes its fields as a signed query string (a GET). */
  readonly inQuery: boolean;
  /** The endpoint answers without a `sign` (from the API description). */
  readonly unsignedAnswer: boolean;
  /** Sent over mutual TLS (`security: true`, or an endpoint that needs the merchant certificate). */
  readonly mutualTls: boolean;
  /** An upload (`v2/secapi/mch/uploadmedia`): the signed fields travel as form fields beside the file. */
  readonly upload?: V2Upload;
}

/** What an APIv2 upload writes: the multipart body around the signed fields (MediaUtil). */
export interface V2Upload {
  getFormStream(fields: Readonly<Record<string, string>>): { body: NodeJS.ReadableStream; length: number };
}

/** How an answer is received: read into memory up to `maxContentLength` decoded bytes (-1: no limit), or streamed. */
export interface AnswerLimits {
  readonly maxContentLength: number;
  /** A download the caller asked for as a stream (`responseType: 'stream'`): no size limit, checked by hash. */
  readonly streamed: boolean;
}

/** What a signer signed: the request may leave only if it still is exactly this. */
export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  /** The body object handed to the adapter (compared by identity: the same string, Buffer or stream). */
  readonly data: unknown;
  /** The `Authorization` header (APIv3); APIv2 sends none. */
  readonly authorization: string | undefined;
  /** The `Content-Length` header the SDK set (a multipart upload's), if any: the transport writes all others. */
  readonly contentLength: string | undefined;
}

/**
 * The state of one call, carried by its request config through axios's interceptors and adapter: the
 * protocol layers read its {@link Exchange}; the client's request path (core/call.ts `Call`) keeps the rest of
 * the call in the same object. A class instance, not a plain object: axios copies a config's plain objects on
 * every request, and passes an instance through as it is.
 */
export class Carried {
  constructor(readonly exchange: Exchange) {}
}

/**
 * The property of an axios request config that carries its call: axios merges a config by its string keys
 * (a symbol would be dropped), so it is a string, used only here.
 */
const CARRIED = 'wechatpayCall';

/** Makes `config` carry `call` (a request config is made for one call). */
export function carry<T extends AxiosRequestConfig>(config: T, call: Carried): T {
  (config as Record<string, unknown>)[CARRIED] = call;
  return config;
}

/** The call a request config carries; its absence means the request was not built by a client of this SDK, and is never sent. */
export function carriedBy(config: AxiosRequestConfig): Carried {
  const call = (config as Record<string, unknown>)[CARRIED];
  if (!(call instanceof Carried)) {
    throw new RequestError('EREQUEST_OPTIONS', 'This request was not built by a wechatpay-chain client and will not be sent');
  }
  return call;
}

/** The exchange of the call a request config carries (see {@link carriedBy}). */
export function exchangeOf(config: AxiosRequestConfig): Exchange {
  return carriedBy(config).exchange;
}

/** A header value as axios holds it (`AxiosHeaders.get`), as text; absent or `false` is undefined. */
export function headerText(value: unknown): string | undefined {
  return value === undefined || value === null || value === false ? undefined : String(value);
}

/** What an error says about an exchange: method, URL, status, the platform's request id. */
export function exchangeFacts(response: AxiosResponse): ExchangeFacts {
  return {
    method: response.config.method?.toUpperCase(),
    url: response.config.url,
    status: response.status,
    requestId: headerOf(response.headers, 'Request-ID'),
  };
}

/**
 * Errors leaving the client are the SDK's own; a transport failure keeps only its code and message
 * (an AxiosError carries the request config, agents included, which may hold key material).
 */
export function toSdkError(error: unknown): WechatpayError {
  if (error instanceof WechatpayError) return error;
  // The SDK's own error raised while sending (a media body that no longer matches its signed meta).
  if (axios.isAxiosError(error) && error.cause instanceof WechatpayError) return error.cause;
  if (axios.isAxiosError(error)) {
    const method = error.config?.method?.toUpperCase();
    const url = error.config?.url;
    // The socket's system call (`connect`, `getaddrinfo`) tells a request never sent from one whose answer was lost (core/retry.ts).
    const syscall = (error.cause as { syscall?: unknown } | undefined)?.syscall;
    const cause = Object.assign(new Error(error.message), { code: error.code }, typeof syscall === 'string' ? { syscall } : {});
    return new RequestError('EREQUEST_TRANSPORT', `${method} ${url} failed: ${error.code ?? 'ERROR'} ${error.message}`,
      { method, url }, { cause });
  }
  if (error instanceof Error) {
    return new RequestError('EREQUEST_TRANSPORT', error.message, {}, { cause: Object.assign(new Error(error.message), { name: error.name }) });
  }
  return new RequestError('EREQUEST_TRANSPORT', String(error));
}
