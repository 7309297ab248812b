import type { KeyObject, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PemUtil } from '../util/pem.js';
import { PlatformKeys, type CertsInput } from '../v3/platform-keys.js';
import type { AxiosResponseTransformer, CreateAxiosDefaults } from 'axios';
import { Rsa } from '../crypto/rsa.js';
import { ConfigError } from '../errors.js';
import type { HeadersInit } from '../types.js';
import type { MerchantCredentials } from '../v3/signer.js';
import { checkMaxClockOffset } from '../v3/verifier.js';
import { loadHooks, type HookLists, type Hooks } from './hooks.js';
import { loadAutoCertificates, type AutoCertificatesOptions, type AutoCertificatesSettings } from './auto-certificates.js';
import { checkBaseURL, checkHeaders, checkMaxContentLength, checkTimeout, describe, type Refuse } from './options.js';
import { loadAllowedOrigins } from './origins.js';
import { redirectProblem, TRANSFORM_REQUEST_PROBLEM } from './request-rules.js';
import { checkRetry, type RetryOptions, type RetrySettings } from './retry.js';
import { defaultBackupBaseURL } from './hosts.js';
import { DEFAULT_CONNECT_TIMEOUT } from './connect-timeout.js';

/** Anything `Rsa.from` accepts: PEM, `file://`, `private.pkcs1://`..., a KeyObject, `[pem, passphrase]`, PKCS#12. */
export type KeyInput = Parameters<typeof Rsa.from>[0];

export type { CertsInput };

export const DEFAULT_BASE_URL = 'https://api.mch.weixin.qq.com/';
/** Milliseconds a call may take, from the call to the last byte of a buffered answer. */
export const DEFAULT_TIMEOUT = 30_000;
/** Bytes a buffered (JSON, XML) answer may have once decoded; streamed downloads have no limit. */
export const DEFAULT_MAX_CONTENT_LENGTH = 8 * 1024 * 1024;

/** The merchant API certificate and key for APIv2 calls over mutual TLS: PEM/`file://` pair, or the PKCS#12 bundle. */
export type MerchantTlsInput =
  | { cert: string | Buffer | X509Certificate; key?: KeyInput }
  | { pkcs12: string | Buffer; password?: string };

/** The settings of `Builder.factory`: the merchant's identity, the platform's keys, and any axios instance setting. */
/** (axios's `auth` and `params` would change every request after it is signed: they are not settings of a client.) */
export interface ClientConfig extends Omit<CreateAxiosDefaults, 'headers' | 'url' | 'method' | 'data' | 'auth' | 'params'> {
  /** The merchant id (商户号). */
  mchid: string;
  /** The serial number of the merchant's API certificate (商户API证书序列号). */
  serial: string;
  /** The merchant's API private key (商户API私钥). */
  privateKey: KeyInput;
  /**
   * The platform's certificates and/or public keys, by serial or `PUB_KEY_ID_...`, used to verify every answer.
   * Required, unless `autoCertificates` downloads the certificates (then it may hold the public key, for a migration).
   */
  certs?: CertsInput;
  /**
   * Download the platform certificates (`GET v3/certificates`) before the first call, refresh them on a timer
   * and when an answer names an unknown serial: `true`, or `{ refreshInterval, minInterval, store, onRefresh, onError }`.
   * Needs `apiv3Key`. See docs/certificates.md.
   */
  autoCertificates?: boolean | AutoCertificatesOptions;
  /** The APIv3 key (32 bytes), for notifications and `GET v3/certificates`. */
  apiv3Key?: string;
  /** The APIv2 secret (32 bytes), for `v2/...` calls. */
  secret?: string;
  /** The merchant certificate (and key, default `privateKey`) for APIv2 `security: true` calls (wechatpay-php's `merchant`). */
  merchant?: MerchantTlsInput;
  /** wechatpay-php's name for `baseURL`. */
  base_uri?: string;
  /**
   * Further origins the client may sign requests for (a proxy: `['https://proxy.example.com:8443']`). A signed
   * request goes only to `baseURL`, `backupBaseURL` and these; any other origin is refused before signing.
   */
  allowedOrigins?: readonly string[];
  /**
   * The host an attempt goes to when the primary host cannot be reached (docs/resilience.md): default
   * `https://api2.mch.weixin.qq.com/` (with `baseURL`'s path) when `baseURL` is the official host, none otherwise;
   * `false`: none.
   */
  backupBaseURL?: string | false;
  /**
   * Automatic retries where they are safe (docs/resilience.md): `false` (one attempt), or `{ retries, minDelay,
   * maxDelay }` (default 2 retries, full-jitter backoff from 100 ms capped at 2 s). A call may give its own.
   */
  retry?: boolean | RetryOptions;
  /**
   * Milliseconds a new connection may take to connect (DNS and TCP; default 10,000; 0: no bound of its own): a host
   * that drops connection attempts is then given up on, and the attempt retried (docs/resilience.md). Applies to the
   * client's own agents, not to an `httpAgent`/`httpsAgent` you give.
   */
  connectTimeout?: number;
  headers?: HeadersInit;
  /** The largest accepted offset between the platform's timestamps and this machine's clock, in seconds. */
  maxClockOffset?: number;
  /**
   * Milliseconds a call may take (default 30,000): from the call to the last byte of a buffered answer; for a
   * streamed download, until its headers and then between two chunks. 0: no deadline.
   */
  timeout?: number;
  /**
   * Bytes a buffered (JSON, XML) answer may have once decompressed (default 8 MiB; -1: no limit). Streamed
   * downloads (`responseType: 'stream'`) have none: they are checked by hash.
   */
  maxContentLength?: number;
  /** Functions called around every call: after signing, after verification, on every error (see the README, "Hooks"). */
  hooks?: Hooks;
}

/** A validated configuration with its keys loaded once. */
export interface LoadedConfig {
  /** What signs APIv3 requests: the merchant id, its certificate serial and private key. */
  credentials: MerchantCredentials;
  /** The configured platform keys (undefined: none configured, autoCertificates downloads them). */
  platformKeys: PlatformKeys | undefined;
  /** Set when `autoCertificates` is on. */
  autoCertificates: AutoCertificatesSettings | undefined;
  baseURL: string;
  maxClockOffset: number;
  /** Milliseconds a call may take (0: no deadline). */
  timeout: number;
  /** Bytes a buffered answer may have once decoded (-1: no limit). */
  maxContentLength: number;
  apiv3Key: string | undefined;
  secret: string | undefined;
  /** Mutual TLS for APIv2 `security: true` calls, when `merchant` was configured. */
  tls: SecureContext | undefined;
  /** Whether `baseURL`/`base_uri` was configured (else endpoints on other hosts go to their own). */
  customBaseURL: boolean;
  /** The backup host's base URL, if any (core/hosts.ts). */
  backupBaseURL: string | undefined;
  /** The client's retry settings (core/retry.ts). */
  retry: RetrySettings;
  /** Milliseconds a new connection of the client's agents may take to connect (0: no bound). */
  connectTimeout: number;
  /** `allowedOrigins`, checked (origins only). */
  allowedOrigins: readonly string[];
  /** The client's default headers, checked, as strings. */
  headers: Readonly<Record<string, string>>;
  /** The caller's axios instance settings, minus the SDK's own fields and the two below. */
  axios: CreateAxiosDefaults;
  /** The caller's instance-wide `transformResponse`, applied after verification. */
  transformResponse: AxiosResponseTransformer | AxiosResponseTransformer[] | undefined;
  /** The caller's instance-wide `validateStatus`: non-2xx statuses it accepts resolve. */
  validateStatus: ((status: number) => boolean) | null | undefined;
  hooks: HookLists;
}

const OWN_FIELDS = new Set(['mchid', 'serial', 'privateKey', 'certs', 'autoCertificates', 'apiv3Key', 'secret', 'merchant', 'base_uri', 'baseURL', 'backupBaseURL', 'retry', 'connectTimeout', 'allowedOrigins', 'headers', 'maxClockOffset', 'hooks',
  'transformResponse', 'validateStatus', 'transformRequest', 'responseType', 'allowAbsoluteUrls', 'timeout', 'maxContentLength']);

/** axios instance settings that would change every request after it is signed, and what to do instead. */
const REFUSED_SETTINGS: Readonly<Record<string, string>> = {
  auth: 'is not supported: Basic authentication would replace the request signature (Authorization is the SDK\'s)',
  params: 'is not supported: axios would add them to the URL after signing (the platform answers SIGN_ERROR); give query parameters per call as `query`',
  transformRequest: TRANSFORM_REQUEST_PROBLEM,
};

/** Validates `Builder.factory`'s config without changing it; every error names the field at fault. */
export function loadConfig(config: ClientConfig): LoadedConfig {
  if (typeof config !== 'object' || config === null) {
    throw new ConfigError('config', 'Builder.factory needs an object with mchid, serial, privateKey and certs');
  }
  const mchid = requiredString(config, 'mchid');
  const serial = requiredString(config, 'serial');
  if (config.privateKey === undefined || config.privateKey === null) {
    throw new ConfigError('privateKey', 'is required: the merchant API private key (PEM, file://, KeyObject, ...)');
  }
  const privateKey = loadKey('privateKey', config.privateKey, 'private');
  const autoCertificates = loadAutoCertificates(config.autoCertificates);
  if (!autoCertificates && (config.certs === undefined || config.certs === null)) {
    throw new ConfigError('certs', 'is required: an object mapping platform certificate serials or PUB_KEY_ID_... to public keys ' +
      '(or autoCertificates: true, to download the platform certificates)');
  }
  const platformKeys = autoCertificates && config.certs === undefined ? undefined : PlatformKeys.load(config.certs, serial);
  const apiv3Key = optionalSecret(config, 'apiv3Key');
  if (autoCertificates && apiv3Key === undefined) {
    throw new ConfigError('apiv3Key', 'is required with autoCertificates: the platform certificates are encrypted with it');
  }

  const refuse = (field: string): Refuse => (problem) => new ConfigError(field, problem);
  const baseURL = config.baseURL ?? config.base_uri ?? DEFAULT_BASE_URL;
  checkBaseURL(baseURL, refuse(config.baseURL !== undefined ? 'baseURL' : 'base_uri'));
  if (config.baseURL !== undefined && config.base_uri !== undefined) checkBaseURL(config.base_uri, refuse('base_uri'));
  if (config.backupBaseURL !== undefined && config.backupBaseURL !== false) checkBaseURL(config.backupBaseURL, refuse('backupBaseURL'));
  const retry = checkRetry(config.retry, refuse('retry'));
  const connectTimeout = config.connectTimeout === undefined ? DEFAULT_CONNECT_TIMEOUT : checkTimeout(config.connectTimeout, refuse('connectTimeout'));
  const maxClockOffset = checkMaxClockOffset(config.maxClockOffset);
  const timeout = config.timeout === undefined ? DEFAULT_TIMEOUT : checkTimeout(config.timeout, refuse('timeout'));
  const maxContentLength = config.maxContentLength === undefined
    ? DEFAULT_MAX_CONTENT_LENGTH
    : checkMaxContentLength(config.maxContentLength, refuse('maxContentLength'));
  const headers = checkHeaders(config.headers, refuse('headers'));
  for (const [field, problem] of Object.entries(REFUSED_SETTINGS)) {
    if ((config as unknown as Record<string, unknown>)[field] !== undefined) throw new ConfigError(field, problem);
  }
  const redirects = redirectProblem(config.maxRedirects);
  if (redirects) throw new ConfigError('maxRedirects', `${redirects}; got ${describe(config.maxRedirects)}`);

  const axios: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!OWN_FIELDS.has(key)) axios[key] = value;
  }
  return {
    credentials: { mchid, serial, privateKey },
    platformKeys,
    autoCertificates,
    baseURL,
    maxClockOffset,
    timeout,
    maxContentLength,
    apiv3Key,
    secret: optionalSecret(config, 'secret'),
    tls: config.merchant === undefined ? undefined : merchantTls(config.merchant, privateKey, mchid, serial),
    customBaseURL: config.baseURL !== undefined || config.base_uri !== undefined,
    backupBaseURL: defaultBackupBaseURL(baseURL, config.backupBaseURL),
    retry,
    connectTimeout,
    allowedOrigins: loadAllowedOrigins(config.allowedOrigins),
    headers,
    axios: axios as CreateAxiosDefaults,
    transformResponse: config.transformResponse,
    validateStatus: config.validateStatus,
    hooks: loadHooks(config.hooks),
  };
}

/** A TLS context holding the merchant certificate and key; the key never sits in an agent's options. */
function merchantTls(input: MerchantTlsInput, apiKey: KeyObject, mchid: string, serial: string): SecureContext {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('merchant', 'must be { cert, key? } or { pkcs12, password? }');
  }
  let certificate: X509Certificate;
  let key: KeyObject;
  try {
    if ('pkcs12' in input) {
      ({ certificate, privateKey: key } = PemUtil.loadPkcs12(input.pkcs12, input.password ?? mchid));
    } else {
      certificate = typeof input.cert === 'string' ? PemUtil.loadCertificate(input.cert) : PemUtil.loadCertificateFromString(input.cert);
      key = input.key === undefined ? apiKey : Rsa.from(input.key, 'private');
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new ConfigError('merchant', `cannot be loaded: ${reason}`, { cause: error });
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new ConfigError('merchant', 'the certificate does not belong to the private key');
  }
  const certificateSerial = PemUtil.parseCertificateSerialNo(certificate);
  if (certificateSerial.toUpperCase() !== serial.toUpperCase()) {
    throw new ConfigError('merchant', `the certificate's serial ${certificateSerial} is not the configured serial ${serial}`);
  }
  return createSecureContext({ cert: certificate.toString(), key: key.export({ type: 'pkcs8', format: 'pem' }) });
}

function loadKey(field: string, input: KeyInput, type: 'private' | 'public'): KeyObject {
  try {
    return Rsa.from(input, type);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new ConfigError(field, `cannot be loaded as an RSA ${type} key: ${reason}`, { cause: error });
  }
}

/**
 * What a merchant number or certificate serial may be: visible ASCII without a quote or a backslash. Both are
 * written inside the quoted parameters of every request's `Authorization` (and the merchant number into every
 * APIv2 body), so the header is checked once here and set as it is on each request.
 */
const HEADER_PARAMETER = /^[!#-[\]-~]+$/;

function requiredString(config: ClientConfig, field: 'mchid' | 'serial'): string {
  const value: unknown = config[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(field, `must be a non-empty string, got ${describeValue(value)}`);
  }
  if (!HEADER_PARAMETER.test(value)) {
    throw new ConfigError(field, 'must be visible ASCII without spaces, quotes or backslashes (it is written into the Authorization header)');
  }
  return value;
}

function optionalSecret(config: ClientConfig, field: 'apiv3Key' | 'secret'): string | undefined {
  const value: unknown = config[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || Buffer.byteLength(value) !== 32) {
    const length = typeof value === 'string' ? `${Buffer.byteLength(value)} bytes` : describeValue(value);
    throw new ConfigError(field, `must be a string of exactly 32 bytes, got ${length}`);
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a blank string';
  return `a ${typeof value}`;
}
