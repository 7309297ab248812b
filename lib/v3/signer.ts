import type { KeyObject } from 'node:crypto';
import type { InternalAxiosRequestConfig } from 'axios';
import { Rsa } from '../crypto/rsa.js';
import { RequestError } from '../errors.js';
import { Formatter } from '../util/formatter.js';
import { requestMeta } from '../core/request-meta.js';
import { bytesOf } from '../util/body.js';

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
 * The APIv3 request interceptor: serialises the body once, signs exactly those bytes (or a media
 * upload's meta JSON) with the request target exactly as sent, and sets the protocol headers.
 */
export function createSigner(merchant: MerchantCredentials, userAgent: string, serialFor?: (body: string) => string | undefined) {
  return function sign(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
    const meta = requestMeta(config);
    const method = (config.method ?? 'get').toUpperCase();
    const url = new URL(config.url ?? '');

    let data: string | Buffer | NodeJS.ReadableStream | undefined;
    let signedBody: string;
    if (meta.json !== undefined) {
      data = JSON.stringify(meta.json);
      signedBody = data;
    } else if (meta.multipartMeta !== undefined) {
      data = config.data as NodeJS.ReadableStream | Buffer;
      signedBody = meta.multipartMeta;
    } else if (config.data === undefined || config.data === null || config.data === '') {
      data = undefined;
      signedBody = '';
    } else {
      const bytes = bytesOf(config.data);
      if (!bytes) {
        throw new RequestError('EREQUEST_OPTIONS', 'A raw body must be a string, Buffer or Uint8Array once it reaches the signer (the client reads streams first)', { method, url: url.href });
      }
      data = bytes;
      signedBody = bytes.toString('utf8');
    }
    if (method === 'GET' && signedBody !== '' && meta.multipartMeta === undefined) {
      throw new RequestError('EREQUEST_OPTIONS', 'A GET request cannot carry a body', { method, url: url.href });
    }

    config.data = data;
    const headers = config.headers;
    headers.set('Accept', ACCEPT, false);
    if (meta.multipartMeta === undefined) headers.set('Content-Type', CONTENT_TYPE_JSON, false);
    headers.set('User-Agent', userAgent, false);
    const platformSerial = serialFor?.(signedBody);
    if (platformSerial) headers.set('Wechatpay-Serial', platformSerial, false);
    headers.set('Authorization', authorization(merchant, method, `${url.pathname}${url.search}`, signedBody), true);
    return config;
  };
}
