/**
 * The types the generated endpoint declarations (lib/generated/) are written in: verbs, options,
 * operations and answers. Public, re-exported by lib/types.ts; they import nothing generated.
 */
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import type { Readable, Writable } from 'node:stream';
import type { MediaUtil } from '../util/media.js';
import type { Attempt } from '../errors.js';

/** The HTTP verbs a chain node offers. */
export type HttpVerb = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** `getAsync` ... `deleteAsync`: the same calls under wechatpay-php's async names. */
export type AsyncVerb = `${HttpVerb}Async`;

/** What every call resolves to: the axios response, whose `data` was parsed after verification. */
export type WechatpayResponse<T = unknown> = AxiosResponse<T> & {
  /** One entry per attempt of the call (docs/resilience.md): `{ url, status, requestId, ms }`, a failed one with its `code`. */
  attempts: readonly Attempt[];
};

/** Header values as a user writes them. */
export type HeadersInit = Record<string, string | number | boolean | undefined>;

/** A multipart body: `MediaUtil` (wechatpay-php's name) or anything that can write itself as multipart. */
export interface MultipartLike {
  /** The JSON string that is signed (the `meta` part). */
  getMeta(): string;
  /** `multipart/form-data; boundary=...`. */
  getContentType(): string;
  /** The multipart bytes: a Buffer or a stream. */
  getBody(): Buffer | Readable;
  /** Awaited before `getMeta()` (MediaUtil hashes the file here). */
  ready?(): Promise<unknown>;
  /** The body's length when known, sent as Content-Length. */
  getContentLength?(): number | undefined;
}

/** An APIv2 upload's file (`v2/secapi/mch/uploadmedia`): a MediaUtil, whose MD5 the SDK signs as `media_hash`. */
export type V2Media = MediaUtil;

/**
 * Where a download goes instead of `data` (wechatpay-php's Guzzle `sink`): a file path (or `file:` URL),
 * written under a temporary name and renamed once complete and checked; or a Writable, streamed into.
 * `{ path, overwrite: true }` also replaces a read-only file, which a plain path refuses (`ESINK_READ_ONLY`).
 */
export type Sink = string | URL | Writable | SinkFile;

/** A sink's file with its settings. */
export interface SinkFile {
  path: string | URL;
  /** Replace a read-only file at the path (default: refuse it with `ESINK_READ_ONLY`, before sending). */
  overwrite?: boolean;
}

/**
 * Transport settings: any axios request setting, except the ones the SDK owns (`url`, `method`, `data`, and
 * `auth`, which would replace the signature). `baseURL` or wechatpay-php's `base_uri` point one request at
 * another host. `timeout` (milliseconds) bounds the whole call; `maxContentLength` bounds a buffered answer.
 */
export interface TransportOptions extends Omit<AxiosRequestConfig, 'url' | 'method' | 'data' | 'headers' | 'params' | 'auth'> {
  /** wechatpay-php's name for `baseURL`. */
  base_uri?: string;
  headers?: HeadersInit;
  /** This call's automatic retries (docs/resilience.md): `false` for one attempt, or `{ retries, minDelay, maxDelay }`. */
  retry?: boolean | RetryOptions;
}

/** The body and query options of a request (mirroring wechatpay-php's Guzzle options). */
export interface PayloadOptions {
  /** APIv3 JSON body: serialised once, signed, sent. */
  json?: unknown;
  /** Query string parameters. */
  query?: Record<string, unknown>;
  /** axios's name for `query`. */
  params?: Record<string, unknown>;
  /** A raw body, sent and signed as is. */
  body?: string | Buffer | Uint8Array | Readable;
  /** A media upload (`MediaUtil`): the signed body is its meta JSON (APIv3); its MD5 is signed as `media_hash` (APIv2). */
  multipart?: MultipartLike;
  /** APIv2 XML payload (an object; serialised to `<xml>...</xml>`). */
  xml?: Record<string, unknown>;
  /** APIv2: send over mutual TLS with the merchant certificate. */
  security?: boolean;
  /** APIv2: do not add `nonce_str`. */
  nonceless?: boolean;
  /** Save the answer to a file or a Writable instead of `data` (a download; see {@link Sink}). */
  sink?: Sink;
}

/** Options of a request whose route the SDK has no type for; any other top-level key is a URI variable. */
export interface LooseOptions extends TransportOptions, PayloadOptions {
  [variable: string]: unknown;
}

/** The verbs of a node whose route has no generated type (the escape hatch). */
export type LooseVerbs = {
  [V in HttpVerb | AsyncVerb]: <T = unknown>(options?: LooseOptions) => Promise<WechatpayResponse<T>>;
};

/** A chain node without generated types: every property is a further segment, every verb is callable. */
export type LooseNode = LooseVerbs & { readonly [segment: string]: LooseNode };

/** One typed operation: what a verb takes and what `data` it resolves to. */
export interface Operation<Options, Data> {
  options: Options;
  data: Data;
}

/** The call signature of one typed operation; options are optional only when nothing in them is required. */
export type OperationCall<Op> = Op extends Operation<infer O, infer D>
  ? 'sink' extends keyof O ? SinkCall<O, D> : PlainCall<O, D>
  : never;

/** A call resolving with `data`. */
type PlainCall<O, D> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends O` means "nothing in O is required"
  {} extends O
    ? (options?: O) => Promise<WechatpayResponse<D>>
    : (options: O) => Promise<WechatpayResponse<D>>;

/** A download's call: given a `sink`, `data` is {@link SinkData} instead of the file. */
export type SinkCall<O, D> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends O` means "nothing in O is required"
  {} extends O
    ? <S extends Sink | undefined = undefined>(options?: O & { sink?: S }) => Promise<WechatpayResponse<SinkData<S, D>>>
    : <S extends Sink | undefined = undefined>(options: O & { sink?: S }) => Promise<WechatpayResponse<SinkData<S, D>>>;

/** A download's `data` given a sink `S`: the file itself without one, the absolute path written for a path, undefined for a Writable. */
export type SinkData<S, D> = S extends undefined ? D : S extends Writable ? undefined : string;

/**
 * The verbs of a typed endpoint: exactly the documented ones, each also under its `...Async` name.
 * (Mapped over `keyof Ops` with `as`, so each verb keeps the doc comment written on its operation.)
 */
export type EndpointVerbs<Ops> = {
  [V in keyof Ops as V & HttpVerb]: OperationCall<Ops[V]>;
} & {
  [V in keyof Ops as V extends HttpVerb ? `${V}Async` : never]: OperationCall<Ops[V]>;
};

/** The options every typed APIv3 call (mainland, hk, global) takes besides its documented ones. */
export interface TypedOptions extends TransportOptions {}

/** The options every typed APIv2 call takes besides its documented ones. */
export interface TypedOptionsV2 extends TransportOptions {
  /** Send over mutual TLS with the merchant certificate (the SDK turns it on for the endpoints that need it). */
  security?: boolean;
  /** Do not add `nonce_str`. */
  nonceless?: boolean;
}

/**
 * A node whose only child is a path variable (`v3/pay/transactions/id` -> `{transaction_id}`): besides
 * `_transaction_id_` (the variable given in the options), any other property is the value itself,
 * written into the path (`id[orderId]`), and the child reached that way no longer takes the variable.
 */
export type DynamicSegment<Node, Given> = Node & { readonly [value: string]: Given };

/** `retry` of `Builder.factory` and of a call: `false` (one attempt), or how many retries and how far apart. */
export interface RetryOptions {
  /** Attempts after the first (default 2; 0 = one attempt). */
  retries?: number;
  /** Milliseconds: the first retry waits up to this long, each next one up to twice as long (default 100). */
  minDelay?: number;
  /** Milliseconds: no retry waits longer than this, unless the platform's `Retry-After` asks for it (default 2,000). */
  maxDelay?: number;
}
