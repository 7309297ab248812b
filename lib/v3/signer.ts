import type { KeyObject } from 'node:crypto';
import type { InternalAxiosRequestConfig } from 'axios';
import { Rsa } from '../crypto/rsa.js';
import { RequestError } from '../errors.js';
import { exchangeOf, headerText, type V3Exchange } from '../util/exchange.js';
import { Formatter } from '../util/formatter.js';

export const ACCEPT = 'application/json, text/plain, application/x-gzip, application/pdf, image/png, image/*;q=0.5';
export const CONTENT_TYPE_JSON = 'application/json; charset=utf-8';

/** The merchant identity that signs APIv3 requests. */
export interface MerchantCredentials {
  readonly mchid: string;
  readonly serial: string;
  readonly privateKey: KeyObject;
}

/** The `Authorization` header of one APIv3 request (docs/protocol.md#apiv3-request-signing). */
export function authorization(merchant: MerchantCredentials, method: string, target: string, body: string): string {
  const timestamp = Formatter.timestamp();
  const nonce = Formatter.nonce();
  const signature = Rsa.sign(Formatter.request(method, target, timestamp, nonce, body), merchant.privateKey);
  return Formatter.authorization(merchant.mchid, nonce, signature, timestamp, merchant.serial);
}

/**
 * The APIv3 request interceptor: signs the method, the request target exactly as it will be sent and the
 * body line prepared with the request, sets `Authorization`, and records what it signed for the send guard.
 * While other calls are in flight (`offLoop()`), the signature is made on the thread pool; a lone call signs
 * inline, where the hand-off would only add latency, and the interceptor returns the config itself (no promise).
 */
export function createV3Signer(merchant: MerchantCredentials, offLoop: () => boolean = () => false) {
  return function signV3Request(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> {
    const exchange = exchangeOf(config);
    if (exchange.protocol !== 'v3') throw new RequestError('EREQUEST_PROTOCOL', `${exchange.template} is not an APIv3 request`);
    const method = (config.method ?? 'get').toUpperCase();
    const url = config.url ?? '';
    const target = new URL(url);
    const timestamp = Formatter.timestamp();
    const nonce = Formatter.nonce();
    const message = Formatter.request(method, `${target.pathname}${target.search}`, timestamp, nonce, exchange.signedBody);
    const signed = new SignedV3(merchant, config, exchange, method, url, config.data, timestamp, nonce);
    return offLoop() ? Rsa.signAsync(message, merchant.privateKey).then((signature) => signed.apply(signature)) : signed.apply(Rsa.sign(message, merchant.privateKey));
  };
}

/** What is signed, waiting for its signature: sets `Authorization` and records the request for the send guard. */
class SignedV3 {
  constructor(
    readonly merchant: MerchantCredentials,
    readonly config: InternalAxiosRequestConfig,
    readonly exchange: V3Exchange,
    readonly method: string,
    readonly url: string,
    readonly data: unknown,
    readonly timestamp: number,
    readonly nonce: string,
  ) {}

  apply(signature: string): InternalAxiosRequestConfig {
    const { merchant, config } = this;
    const value = Formatter.authorization(merchant.mchid, this.nonce, signature, this.timestamp, merchant.serial);
    // Visible ASCII (core/config.ts checks mchid and serial), and no other Authorization is there to replace
    // (core/options.ts refuses one in the call's headers): set as AxiosHeaders keeps it, without re-checking it.
    (config.headers as unknown as Record<string, string>)['Authorization'] = value;
    this.exchange.signed = { method: this.method, url: this.url, data: this.data, authorization: value, contentLength: headerText(config.headers.get('Content-Length')) };
    return config;
  }
}
