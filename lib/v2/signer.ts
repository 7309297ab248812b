import type { InternalAxiosRequestConfig } from 'axios';
import { Hash, ALGO_HMAC_SHA256, ALGO_MD5, type SignType } from '../crypto/hash.js';
import { RequestError } from '../errors.js';
import { exchangeOf, headerText } from '../util/exchange.js';
import { Formatter } from '../util/formatter.js';
import { Transformer } from '../util/transformer.js';
import { buildQuery } from '../util/query.js';

export const ACCEPT_XML = 'text/xml, text/plain, application/x-gzip';
export const CONTENT_TYPE_XML = 'text/xml; charset=utf-8';

/** The merchant fields the platform compares with the signer (docs/protocol.md#apiv2-xml). */
const MERCHANT_ID_FIELDS = ['mch_id', 'mchid', 'combine_mch_id'] as const;

export interface SignOptions {
  mchid: string;
  /** The 32-byte APIv2 secret. */
  secret: string;
  /** Do not add `nonce_str` (a few endpoints have none). */
  nonceless?: boolean;
}

/**
 * The fields of an APIv2 request with `nonce_str` and `sign` added: values as strings, the payload's
 * merchant id checked against the configured one, signed with its `sign_type` (MD5 unless it says
 * HMAC-SHA256). Throws before any I/O when the payload names another merchant, or none (as wechatpay-php).
 */
export function signPayload(data: Readonly<Record<string, unknown>>, options: SignOptions): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || value === null) continue;
    fields[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  for (const name of MERCHANT_ID_FIELDS) {
    const given = fields[name];
    if (given !== undefined && given !== options.mchid) {
      throw new RequestError('EREQUEST_OPTIONS',
        `The APIv2 payload's ${name} (${given}) is not the configured merchant ${options.mchid}: it would be signed with another merchant's secret`);
    }
  }
  if (!MERCHANT_ID_FIELDS.some((name) => fields[name] !== undefined)) {
    throw new RequestError('EREQUEST_OPTIONS',
      `The APIv2 payload names no merchant (mch_id, mchid or combine_mch_id): give the fields to send, e.g. xml: { mch_id: '${options.mchid}', ... }`);
  }
  if (!options.nonceless && !fields['nonce_str']) fields['nonce_str'] = Formatter.nonce();
  const type = (fields['sign_type'] ?? ALGO_MD5) as SignType;
  if (type !== ALGO_MD5 && type !== ALGO_HMAC_SHA256) {
    throw new RequestError('EREQUEST_OPTIONS', `The APIv2 sign_type must be ${ALGO_MD5} or ${ALGO_HMAC_SHA256}, got ${type}`);
  }
  Reflect.deleteProperty(fields, 'sign');
  fields['sign'] = Hash.sign(type, fields, options.secret);
  return fields;
}

/**
 * The APIv2 request interceptor: fills `nonce_str`, signs the fields and writes them as the XML body (for
 * the GET endpoints, as the query string; for an upload, as the form fields beside the file), and records
 * what it signed for the send guard.
 */
export function createV2Signer(options: { mchid: string; secret: string }) {
  return function signV2Request(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
    const exchange = exchangeOf(config);
    if (exchange.protocol !== 'v2') throw new RequestError('EREQUEST_PROTOCOL', `${exchange.template} is not an APIv2 request`);
    const fields = signPayload(exchange.fields, { mchid: options.mchid, secret: options.secret, nonceless: exchange.nonceless });
    if (exchange.inQuery) {
      const url = new URL(config.url ?? '');
      const query = buildQuery(fields);
      url.search = url.search ? `${url.search}&${query}` : `?${query}`;
      config.url = url.href;
      config.data = undefined;
    } else if (exchange.upload) {
      const { body, length } = exchange.upload.getFormStream(fields);
      config.data = body;
      config.headers.set('Content-Length', String(length), true);
    } else {
      config.data = Transformer.toXml(fields);
    }
    exchange.signed = {
      method: (config.method ?? 'post').toUpperCase(),
      url: config.url ?? '',
      data: config.data,
      authorization: undefined,
      contentLength: headerText(config.headers.get('Content-Length')),
    };
    return config;
  };
}
