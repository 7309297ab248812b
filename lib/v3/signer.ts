import type { KeyObject } from 'node:crypto';
import type { InternalAxiosRequestConfig } from 'axios';
import { Rsa } from '../crypto/rsa.js';
import { RequestError } from '../errors.js';
import { exchangeOf, headerText } from '../util/exchange.js';
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
  const { message, header } = signingString(merchant, method, target, body);
  return header(Rsa.sign(message, merchant.privateKey));
}

/** {@link authorization}, signed on libuv's thread pool: the event loop serves other calls meanwhile. */
async function authorizationOffLoop(merchant: MerchantCredentials, method: string, target: string, body: string): Promise<string> {
  const { message, header } = signingString(merchant, method, target, body);
  return header(await Rsa.signAsync(message, merchant.privateKey));
}

function signingString(merchant: MerchantCredentials, method: string, target: string, body: string) {
  const timestamp = Formatter.timestamp();
  const nonce = Formatter.nonce();
  return {
    message: Formatter.request(method, target, timestamp, nonce, body),
    header: (signature: string) => Formatter.authorization(merchant.mchid, nonce, signature, timestamp, merchant.serial),
  };
}

/**
 * The APIv3 request interceptor: signs the method, the request target exactly as it will be sent and the
 * body line prepared with the request, sets `Authorization`, and records what it signed for the send guard.
 * While other calls are in flight (`offLoop()`), the signature is made on the thread pool; a lone call signs
 * inline, where the hand-off would only add latency.
 */
export function createV3Signer(merchant: MerchantCredentials, offLoop: () => boolean = () => false) {
  return async function signV3Request(config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> {
    const exchange = exchangeOf(config);
    if (exchange.protocol !== 'v3') throw new RequestError('EREQUEST_PROTOCOL', `${exchange.template} is not an APIv3 request`);
    const method = (config.method ?? 'get').toUpperCase();
    const url = config.url ?? '';
    const data: unknown = config.data;
    const target = new URL(url);
    const path = `${target.pathname}${target.search}`;
    const value = offLoop()
      ? await authorizationOffLoop(merchant, method, path, exchange.signedBody)
      : authorization(merchant, method, path, exchange.signedBody);
    config.headers.set('Authorization', value, true);
    exchange.signed = { method, url, data, authorization: value, contentLength: headerText(config.headers.get('Content-Length')) };
    return config;
  };
}
