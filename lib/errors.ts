/**
 * Every error the SDK throws, in one place. Each carries a stable `code`; none carries key material,
 * request signatures' inputs or the APIv2/APIv3 secrets, and each serialises to a plain, safe object.
 */

export interface WechatpayErrorOptions {
  cause?: unknown;
}

/** The base class: `err instanceof WechatpayError` catches everything the SDK throws on purpose. */
export class WechatpayError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: WechatpayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
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
  | 'EV2_RES_XML'
  | 'EV2_RES_CODE'
  | 'EV2_RES_SIGN';

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
  /** The raw response body as received. */
  body?: string | undefined;
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
    this.body = facts.body;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, url: this.url, status: this.status, requestId: this.requestId };
  }
}

/**
 * The platform answered with a non-2xx status. `code`, `message` and `detail` come from its JSON body
 * (`{"code":"PARAM_ERROR","message":"...","detail":{...}}`); `body` is the raw text as received.
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
    facts: ExchangeFacts & { detail?: unknown; body: string; headers: Record<string, string> },
  ) {
    super(code, message);
    this.status = status;
    this.detail = facts.detail;
    this.requestId = facts.requestId;
    this.method = facts.method;
    this.url = facts.url;
    this.headers = facts.headers;
    this.body = facts.body;
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
export type RequestErrorCode = 'EREQUEST_OPTIONS' | 'EREQUEST_PROTOCOL' | 'EREQUEST_TRANSPORT';

/** The request could not be built or sent (bad options, an unsupported protocol, a network failure). */
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
