/**
 * Every error the SDK throws, in one place. Each carries a stable `code`; none carries key material,
 * request signatures' inputs or the APIv2/APIv3 secrets, and each serialises to a plain, safe object.
 */

export interface WechatpayErrorOptions {
  cause?: unknown;
}

/** The most of a body an error carries: enough to read an error page or a JSON error, never a whole answer. */
export const BODY_EXCERPT_LENGTH = 2048;

/** The start of a body for an error: at most {@link BODY_EXCERPT_LENGTH} characters, with a note of what was left out. */
export function excerptOf(body: string | Uint8Array | undefined): string | undefined {
  if (body === undefined) return undefined;
  const size = typeof body === 'string' ? body.length : body.byteLength;
  const head = typeof body === 'string'
    ? body.slice(0, BODY_EXCERPT_LENGTH)
    : Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, BODY_EXCERPT_LENGTH * 4)).toString('utf8').slice(0, BODY_EXCERPT_LENGTH);
  return size > head.length && head.length === BODY_EXCERPT_LENGTH ? `${head}... (${typeof body === 'string' ? `${size} characters` : `${size} bytes`} in all)` : head;
}

/**
 * The class names of an error, read through a symbol shared by every copy of this package in a process (its
 * CommonJS and ES module builds load separately): `instanceof` compares these names, so an error thrown by
 * one build is an instance of the other build's class too.
 */
const ERROR_CLASSES = Symbol.for('wechatpay-chain.errorClasses');

/**
 * One attempt of a call (docs/resilience.md): where it went, what came back, how long it took. Responses and the
 * errors a call ends with carry one per attempt, so a log line can say "succeeded on attempt 3 via api2".
 */
export interface Attempt {
  /** The URL as sent (primary or backup host). */
  readonly url: string;
  /** The answer's HTTP status, when one came. */
  readonly status?: number | undefined;
  /** The platform's error code (`SYSTEM_ERROR`), or the transport's (`ECONNRESET`), when the attempt failed. */
  readonly code?: string | undefined;
  /** The platform's `Request-ID`, when it answered. */
  readonly requestId?: string | undefined;
  /** Milliseconds from sending to the answer (or the failure). */
  readonly ms: number;
}

/** The base class: `err instanceof WechatpayError` catches everything the SDK throws on purpose. */
export class WechatpayError extends Error {
  readonly code: string;
  /** The attempts of the call that ended with this error (set on the error a call ends with, once it was sent). */
  declare attempts?: readonly Attempt[];
  /** Why the call was not tried again, when its failure might have been transient (docs/resilience.md). */
  declare notRetried?: string;

  static override [Symbol.hasInstance]<T extends abstract new (...args: never[]) => unknown>(this: T, value: unknown): value is InstanceType<T> {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const classes = typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[ERROR_CLASSES] : undefined;
    return Array.isArray(classes) && classes.includes((this as { name: string }).name);
  }

  get [ERROR_CLASSES](): string[] {
    const names: string[] = [];
    for (let proto: unknown = Object.getPrototypeOf(this); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
      names.push((proto as { constructor: { name: string } }).constructor.name);
    }
    return names;
  }

  constructor(code: string, message: string, options: WechatpayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name, code: this.code, message: this.message,
      ...(this.attempts ? { attempts: this.attempts } : {}),
      ...(this.notRetried ? { notRetried: this.notRetried } : {}),
    };
  }
}

/** A `Builder.factory` setting is missing or has the wrong shape; `field` names it. */
export class ConfigError extends WechatpayError {
  readonly field: string;

  constructor(field: string, message: string, options: WechatpayErrorOptions = {}) {
    super('ECONFIG', `${field}: ${message}`, options);
    this.field = field;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}

/**
 * A key, certificate or PKCS#12 input could not be used. The message names the kind of input that was
 * given and the forms that are accepted; it never repeats the input.
 */
export class KeyError extends WechatpayError {
  constructor(message: string, options: WechatpayErrorOptions = {}) {
    super('EKEY', message, options);
  }
}

/** Codes of {@link CryptoError}. */
export type CryptoErrorCode =
  | 'ECRYPTO_KEY_LENGTH'
  | 'ECRYPTO_IV_LENGTH'
  | 'ECRYPTO_BASE64'
  | 'ECRYPTO_AUTH'
  | 'ECRYPTO_DECRYPT'
  | 'ECRYPTO_PADDING'
  | 'ECRYPTO_ARGUMENT';

/** Encryption or decryption failed: a bad key length, non-base64 input, a tampered tag, a refused padding. */
export class CryptoError extends WechatpayError {
  declare readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Codes of {@link XmlError}. */
export type XmlErrorCode = 'EXML_DOCTYPE' | 'EXML_MALFORMED' | 'EXML_INPUT';

/** XML input was refused (a DOCTYPE or entity declaration) or could not be parsed. */
export class XmlError extends WechatpayError {
  declare readonly code: XmlErrorCode;

  constructor(code: XmlErrorCode, message: string, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Codes of {@link TemplateError}. */
export type TemplateErrorCode = 'EURI_VARIABLE_MISSING' | 'EURI_UNEXPANDED' | 'EURI_INVALID';

/** The URI template could not be expanded into a safe request target; thrown before any I/O. */
export class TemplateError extends WechatpayError {
  declare readonly code: TemplateErrorCode;
  readonly template: string;

  constructor(code: TemplateErrorCode, template: string, message: string) {
    super(code, message);
    this.template = template;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), template: this.template };
  }
}

/** Codes of {@link VerificationError}: which rule of the response verification failed. */
export type VerificationErrorCode =
  | 'EV3_RES_HEADERS_INCOMPLETE'
  | 'EV3_RES_HEADER_TIMESTAMP_OFFSET'
  | 'EV3_RES_HEADER_PLATFORM_SERIAL'
  | 'EV3_RES_HEADER_SIGNATURE_DIGEST'
  | 'EV3_RES_STATEMENT_SHA1'
  | 'EV3_NOTIFY_RESOURCE'
  /** A notification given as a parsed object (or anything but its raw bytes): a wiring mistake, not an attack. */
  | 'EV3_NOTIFY_RAW_BODY'
  | 'EV2_RES_XML'
  | 'EV2_RES_CODE'
  | 'EV2_RES_SIGN'
  /** An APIv2 notification that is not raw XML, says return_code FAIL, or names another merchant. */
  | 'EV2_NOTIFY_BODY'
  /** An APIv2 payment notification whose sign is missing or does not match. */
  | 'EV2_NOTIFY_SIGN'
  /** An APIv2 refund notification whose req_info does not decrypt (or is not XML). */
  | 'EV2_NOTIFY_REQ_INFO';

/** What a verification or API error knows about the exchange (never the request's secrets). */
export interface ExchangeFacts {
  /** HTTP method, upper case. */
  method?: string | undefined;
  /** The URL that was requested (base URL + path + query). */
  url?: string | undefined;
  status?: number | undefined;
  headers?: Record<string, string> | undefined;
  /** The platform's `Request-ID` header. */
  requestId?: string | undefined;
  /** The start of the raw response body as received ({@link excerptOf}). */
  body?: string | Uint8Array | undefined;
}

/** A response (or a notification) failed verification: it must not be trusted. */
export class VerificationError extends WechatpayError {
  declare readonly code: VerificationErrorCode;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly requestId: string | undefined;
  readonly body: string | undefined;

  constructor(code: VerificationErrorCode, message: string, facts: ExchangeFacts = {}, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
    this.method = facts.method;
    this.url = facts.url;
    this.status = facts.status;
    this.headers = facts.headers;
    this.requestId = facts.requestId;
    this.body = excerptOf(facts.body);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, url: this.url, status: this.status, requestId: this.requestId };
  }
}

/**
 * The platform answered with a non-2xx status. `code`, `message` and `detail` come from its JSON body
 * (`{"code":"PARAM_ERROR","message":"...","detail":{...}}`); `body` is the start of the raw text as received
 * (at most {@link BODY_EXCERPT_LENGTH} characters).
 */
export class ApiError extends WechatpayError {
  readonly status: number;
  readonly detail: unknown;
  readonly requestId: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: string;

  constructor(
    status: number,
    code: string,
    message: string,
    facts: ExchangeFacts & { detail?: unknown; body: string | Uint8Array; headers: Record<string, string> },
  ) {
    super(code, message);
    this.status = status;
    this.detail = facts.detail;
    this.requestId = facts.requestId;
    this.method = facts.method;
    this.url = facts.url;
    this.headers = facts.headers;
    this.body = excerptOf(facts.body) ?? '';
  }

  /**
   * The error of a non-2xx answer: `code`, `message` and `detail` from its JSON body when it has one
   * (`{"code":"PARAM_ERROR","message":"...","detail":{...}}`), else `HTTP_<status>` and the start of the text.
   */
  static fromAnswer(raw: Buffer, facts: ExchangeFacts & { headers: Record<string, string> }): ApiError {
    let parsed: { code?: unknown; message?: unknown; detail?: unknown } = {};
    try {
      const value: unknown = JSON.parse(raw.toString('utf8'));
      if (value && typeof value === 'object') parsed = value as typeof parsed;
    } catch {
      // not JSON: the status is the code
    }
    const status = facts.status ?? 0;
    const code = typeof parsed.code === 'string' ? parsed.code.slice(0, 100) : `HTTP_${status}`;
    const text = raw.length ? `: ${(excerptOf(raw) ?? '').slice(0, 200)}` : '';
    const message = typeof parsed.message === 'string' ? parsed.message.slice(0, 1000) : `HTTP ${status}${text}`;
    return new ApiError(status, code, `${facts.method} ${facts.url} answered ${status} ${code}: ${message}`, {
      ...facts,
      detail: parsed.detail,
      body: raw,
    });
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      detail: this.detail,
      requestId: this.requestId,
      method: this.method,
      url: this.url,
    };
  }
}

/** Codes of {@link RequestError}. */
export type RequestErrorCode =
  | 'EREQUEST_OPTIONS'
  | 'EREQUEST_PROTOCOL'
  | 'EREQUEST_TRANSPORT'
  /** A hook threw, or tried to set a header the SDK owns. */
  | 'EREQUEST_HOOK'
  /** The request about to be sent is not the one that was signed (its URL, body, Authorization or framing changed): refused. */
  | 'EREQUEST_UNSIGNED'
  /** The request would go to an origin the client does not sign for (not its baseURL, backupBaseURL nor allowedOrigins): refused before signing. */
  | 'EREQUEST_ORIGIN'
  /** `timeout` ran out: the whole exchange of a buffered answer, or a gap in a streamed download. */
  | 'EREQUEST_TIMEOUT'
  /** The caller's `signal` (or `cancelToken`) ended the call. */
  | 'EREQUEST_ABORTED'
  /** A buffered answer grew past `maxContentLength` (counted after decompression); the read stopped there. */
  | 'EREQUEST_ANSWER_TOO_LARGE'
  /** The request body (a stream the caller gave) failed while it was read or sent. */
  | 'EREQUEST_BODY'
  /** The chain was used in a way it cannot be: a node called that is not a verb, `chain()` without a template. */
  | 'EREQUEST_CALL';

/**
 * The request could not be built or sent (bad options, an unsupported protocol, a network failure), or its
 * answer could not be received within the call's limits (`timeout`, `maxContentLength`).
 */
export class RequestError extends WechatpayError {
  declare readonly code: RequestErrorCode;
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(code: RequestErrorCode, message: string, facts: ExchangeFacts = {}, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
    this.method = facts.method;
    this.url = facts.url;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, url: this.url };
  }
}

/** Codes of {@link MediaError}. */
export type MediaErrorCode =
  /** The file could not be read (missing, a directory, a stream that failed) or has no usable name. */
  | 'EMEDIA_SOURCE'
  /** `getMeta()` and friends were called before `await media.ready()`. */
  | 'EMEDIA_NOT_READY'
  /** `setMeta()` was given something that is not a JSON object. */
  | 'EMEDIA_META'
  /** The file changed on disk between hashing and sending: its bytes no longer match the signed meta. */
  | 'EMEDIA_CHANGED'
  /** A media made from a stream was already sent once (its spooled copy is gone). */
  | 'EMEDIA_CONSUMED';

/** A media upload could not be prepared or sent as signed. */
export class MediaError extends WechatpayError {
  declare readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Codes of {@link BillError}. */
export type BillErrorCode =
  /** The answer of `v3/bill/tradebill` (or fundflowbill) is not usable: no hash, an unknown hash type, not a download URL. */
  | 'EBILL_ANSWER'
  /** The downloaded bill's hash is not the one in the answer: it must not be used. */
  | 'EBILL_HASH'
  /** The bill was to be gunzipped and is not valid gzip (corrupted or truncated). */
  | 'EBILL_GZIP'
  /** The download failed on the way (connection lost, unsupported encoding, the destination failed). */
  | 'EBILL_DOWNLOAD'
  /** The caller's AbortSignal stopped the download. */
  | 'EBILL_ABORTED'
  /** The bill CSV does not have the shape of a WeChat Pay bill. */
  | 'EBILL_CSV';

/** Facts a {@link BillError} may carry. */
export interface BillErrorFacts {
  hashType?: string | undefined;
  /** The hash the answer announced (lower-case hex). */
  expected?: string | undefined;
  /** The hash of the bytes received (lower-case hex). */
  actual?: string | undefined;
  /** CSV: the line the problem is on (1-based). */
  line?: number | undefined;
}

/** A bill could not be downloaded, verified or parsed. */
export class BillError extends WechatpayError {
  declare readonly code: BillErrorCode;
  readonly hashType: string | undefined;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  readonly line: number | undefined;

  constructor(code: BillErrorCode, message: string, facts: BillErrorFacts = {}, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
    this.hashType = facts.hashType;
    this.expected = facts.expected;
    this.actual = facts.actual;
    this.line = facts.line;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), hashType: this.hashType, expected: this.expected, actual: this.actual, line: this.line };
  }
}

/** Codes of {@link CertificateError}. */
export type CertificateErrorCode =
  /** The merchant has no platform certificates (`GET v3/certificates` answered 404 `RESOURCE_NOT_EXISTS`): it uses the platform public key. */
  | 'ECERT_NONE'
  /** The certificate download is not acceptable: a certificate that does not decrypt, a serial or validity other than announced. */
  | 'ECERT_ANSWER'
  /** No platform certificate or public key is trusted yet (autoCertificates before its first download). */
  | 'ECERT_NOT_READY'
  /** The certificate store could not be read or written, or holds something unusable. */
  | 'ECERT_STORE';

/** The platform certificates could not be downloaded, trusted or stored. */
export class CertificateError extends WechatpayError {
  declare readonly code: CertificateErrorCode;

  constructor(code: CertificateErrorCode, message: string, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Codes of {@link SinkError}. */
export type SinkErrorCode =
  /** The destination could not be written (a folder that does not exist, no permission, a full disk, a failing Writable). */
  | 'ESINK_WRITE'
  /** The answer's body broke off before its end (the connection was lost). */
  | 'ESINK_STREAM'
  /** The caller's AbortSignal stopped the download. */
  | 'ESINK_ABORTED'
  /** A read-only file is at the sink's path: refused before sending, unless the sink says `overwrite: true`. */
  | 'ESINK_READ_ONLY';

/**
 * A download given a `sink` (a file path or a Writable) did not complete: nothing is left at the path
 * (the temporary file is removed); a Writable is destroyed with this error. A file that failed its check
 * is refused with the check's own error instead (`EBILL_HASH`, `EV3_RES_STATEMENT_SHA1`).
 */
export class SinkError extends WechatpayError {
  declare readonly code: SinkErrorCode;
  /** The file that was to be written, when the sink is a path. */
  readonly path: string | undefined;

  constructor(code: SinkErrorCode, message: string, path?: string, options: WechatpayErrorOptions = {}) {
    super(code, message, options);
    this.path = path;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), path: this.path };
  }
}
