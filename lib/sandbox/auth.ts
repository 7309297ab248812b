/**
 * The platform's checks of who is calling. APIv3: the `Authorization` header (scheme, merchant, serial,
 * clock, RSA-SHA256 signature over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n` with the exact bytes received).
 * APIv2: the merchant field and the `sign` of the fields (MD5 or HMAC-SHA256 with the APIv2 secret).
 */
import { verify } from 'node:crypto';
import { ALGO_HMAC_SHA256, ALGO_MD5, Hash, type SignType } from '../crypto/hash.js';
import { onThreadPool } from '../crypto/thread-pool.js';
import { PlatformError, signError } from './errors.js';
import type { Identity } from './identity.js';

export const SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** The largest accepted difference between a request's timestamp and the sandbox's clock, in seconds. */
export const MAX_CLOCK_OFFSET = 300;

/** `WECHATPAY2-SHA256-RSA2048 mchid="...",serial_no="...",...` as a record; undefined for another scheme. */
export function parseAuthorization(header: string | undefined): Record<string, string> | undefined {
  const match = /^WECHATPAY2-SHA256-RSA2048\s+(.+)$/.exec(header ?? '');
  if (!match) return undefined;
  const out: Record<string, string> = {};
  for (const part of match[1]!.matchAll(/([a-z_]+)="([^"]*)"/g)) out[part[1]!] = part[2]!;
  return out;
}

export interface SignedRequest {
  method: string;
  /** The request target exactly as received (path and query). */
  target: string;
  /** The signed body: the bytes received, or a media upload's meta part. */
  body: Buffer;
  authorization: string | undefined;
}

/**
 * Accepts the request, or rejects with `401 SIGN_ERROR` saying which rule failed; resolves with the merchant id.
 * The RSA verification runs on the thread pool, so one sandbox keeps up with many clients.
 */
export async function verifyV3(request: SignedRequest, identity: Identity, now = Math.floor(Date.now() / 1000)): Promise<string> {
  if (!request.authorization) throw signError('no Authorization header');
  const auth = parseAuthorization(request.authorization);
  if (!auth) throw signError(`the Authorization scheme is not ${SCHEME}`);
  for (const field of ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature']) {
    if (!auth[field]) throw signError(`the Authorization header has no ${field}`);
  }
  if (auth['mchid'] !== identity.mchid) throw signError(`mchid ${auth['mchid']} is not a merchant of this sandbox (${identity.mchid})`);
  if (auth['serial_no']!.toUpperCase() !== identity.merchant.id) {
    throw signError(`serial_no ${auth['serial_no']} is not the certificate serial of merchant ${identity.mchid}`);
  }
  if (!/^\d{1,12}$/.test(auth['timestamp']!)) throw signError('the timestamp is not an integer number of seconds');
  const offset = Number(auth['timestamp']) - now;
  if (Math.abs(offset) > MAX_CLOCK_OFFSET) throw signError(`the timestamp is ${offset} s away from the platform's clock (allowed: ${MAX_CLOCK_OFFSET} s)`);
  const message = Buffer.concat([
    Buffer.from(`${request.method}\n${request.target}\n${auth['timestamp']}\n${auth['nonce_str']}\n`),
    request.body,
    Buffer.from('\n'),
  ]);
  const signature = Buffer.from(auth['signature']!, 'base64');
  const valid = await onThreadPool<boolean>((done) => verify('sha256', message, identity.merchant.publicKey, signature, done));
  if (!valid) {
    throw signError('the signature does not verify with the merchant certificate over the request as received');
  }
  return auth['mchid']!;
}

/** The APIv2 merchant fields, in the order they are looked for. */
const MERCHANT_FIELDS = ['mch_id', 'mchid', 'combine_mch_id'] as const;

/** An APIv2 failure: `return_code` FAIL with a message (HTTP 200, as the platform answers it). */
export const v2Fail = (message: string): PlatformError => new PlatformError(200, 'FAIL', message);

/** The sign type of a request (MD5 unless `sign_type` says HMAC-SHA256). */
export function signTypeOf(fields: Record<string, unknown>): SignType {
  const type = fields['sign_type'];
  if (type === undefined || type === '') return ALGO_MD5;
  if (type !== ALGO_MD5 && type !== ALGO_HMAC_SHA256) throw v2Fail(`sign_type ${String(type)} is not MD5 or HMAC-SHA256`);
  return type;
}

/** The string fields of an APIv2 message (nested elements are not signed). */
export function signedFields(fields: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Accepts an APIv2 request's fields, or throws `return_code` FAIL. */
export function verifyV2(fields: Record<string, unknown>, identity: Identity, options: { merchantField: boolean }): SignType {
  const named = MERCHANT_FIELDS.find((name) => fields[name] !== undefined);
  if (named === undefined) {
    if (options.merchantField) throw v2Fail('mch_id is missing');
  } else if (fields[named] !== identity.mchid) {
    throw v2Fail(`${named} ${String(fields[named])} is not a merchant of this sandbox (${identity.mchid})`);
  }
  const sign = fields['sign'];
  if (typeof sign !== 'string' || sign === '') throw v2Fail('sign is missing');
  const type = signTypeOf(fields);
  const { sign: _sign, ...rest } = signedFields(fields);
  if (!Hash.equals(Hash.sign(type, rest, identity.secret), sign)) throw v2Fail(`签名错误: the ${type} sign does not match the fields with the merchant's APIv2 secret`);
  return type;
}
