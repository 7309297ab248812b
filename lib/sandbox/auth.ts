/**
 * The platform's checks of who is calling. APIv3: the `Authorization` header (scheme, merchant, serial,
 * clock, RSA-SHA256 signature over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n` with the exact bytes received).
 * APIv2: the merchant field and the `sign` of the fields (MD5 or HMAC-SHA256 with the APIv2 secret), with
 * the sandbox's own code (v2.ts), never the client's.
 *
 * Each check gives a verdict for the request log: accepted, or the rule that failed, why, and (when the
 * header could be read) the string the sandbox expected to be signed.
 */
import { verify } from 'node:crypto';
import { promisify } from 'node:util';
import { PlatformError } from './errors.js';
import type { Identity } from './identity.js';
import { SECRET_PLACEHOLDER, V2_SIGN_TYPES, v2SignMatches, v2SignedPairs, type V2SignType } from './v2.js';

export const SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** The largest accepted difference between a request's timestamp and the sandbox's clock, in seconds. */
export const MAX_CLOCK_OFFSET = 300;

/** Which rule a request broke. */
export type CheckRule =
  | 'authorization' | 'scheme' | 'mchid' | 'serial' | 'timestamp' | 'signature'
  | 'merchant' | 'sign' | 'sign_type';

/** The outcome of a request's authentication, as the request log shows it. */
export interface Verdict {
  api: 'v3' | 'v2';
  ok: boolean;
  rule?: CheckRule;
  reason?: string;
  /** The string the sandbox verified the signature over (APIv2: the secret shown as `<APIv2 secret>`). */
  expected?: string;
}

/** A request that failed authentication: the verdict, and the platform's answer to it. */
export class AuthError extends PlatformError {
  constructor(readonly verdict: Verdict, status: number, code: string) {
    super(status, code, code === 'SIGN_ERROR' ? `签名错误: ${verdict.reason}` : verdict.reason!);
  }
}

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

/** node:crypto's verify in its callback form, on libuv's thread pool. */
const verifyOnPool = promisify(verify);

/** How much of a signed body the log shows in the expected string. */
const SHOWN_BODY = 16 * 1024;

/**
 * Accepts the request, or throws an {@link AuthError} (`401 SIGN_ERROR`) saying which rule failed. The RSA
 * verification runs on libuv's thread pool (node:crypto's callback form).
 */
export async function verifyV3(request: SignedRequest, identity: Identity, now = Math.floor(Date.now() / 1000)): Promise<Verdict> {
  const fail = (rule: CheckRule, reason: string, expected?: string): never => {
    throw new AuthError({ api: 'v3', ok: false, rule, reason, ...(expected === undefined ? {} : { expected }) }, 401, 'SIGN_ERROR');
  };
  if (!request.authorization) fail('authorization', 'no Authorization header');
  const auth = parseAuthorization(request.authorization);
  if (!auth) return fail('scheme', `the Authorization scheme is not ${SCHEME}`);
  for (const field of ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature']) {
    if (!auth[field]) fail('authorization', `the Authorization header has no ${field}`);
  }
  const head = `${request.method}\n${request.target}\n${auth['timestamp']}\n${auth['nonce_str']}\n`;
  const shown = request.body.length > SHOWN_BODY
    ? `${request.body.subarray(0, SHOWN_BODY).toString('utf8')}... (${request.body.length} bytes)`
    : request.body.toString('utf8');
  const expected = `${head}${shown}\n`;
  if (auth['mchid'] !== identity.mchid) fail('mchid', `mchid ${auth['mchid']} is not a merchant of this sandbox (${identity.mchid})`, expected);
  if (auth['serial_no']!.toUpperCase() !== identity.merchant.id) {
    fail('serial', `serial_no ${auth['serial_no']} is not the certificate serial of merchant ${identity.mchid} (${identity.merchant.id})`, expected);
  }
  if (!/^\d{1,12}$/.test(auth['timestamp']!)) fail('timestamp', 'the timestamp is not an integer number of seconds', expected);
  const offset = Number(auth['timestamp']) - now;
  if (Math.abs(offset) > MAX_CLOCK_OFFSET) fail('timestamp', `the timestamp is ${offset} s away from the platform's clock (allowed: ${MAX_CLOCK_OFFSET} s)`, expected);
  const message = Buffer.concat([Buffer.from(head), request.body, Buffer.from('\n')]);
  const signature = Buffer.from(auth['signature']!, 'base64');
  if (!(await verifyOnPool('sha256', message, identity.merchant.publicKey, signature))) {
    fail('signature', 'the signature does not verify with the merchant certificate over the request as received', expected);
  }
  return { api: 'v3', ok: true };
}

/** The APIv2 merchant fields, in the order they are looked for. */
const MERCHANT_FIELDS = ['mch_id', 'mchid', 'combine_mch_id'] as const;

/** An APIv2 failure: `return_code` FAIL with a message (HTTP 200, as the platform answers it). */
export const v2Fail = (message: string): PlatformError => new PlatformError(200, 'FAIL', message);

/** The sign type of a request (MD5 unless `sign_type` says HMAC-SHA256). */
export function signTypeOf(fields: Record<string, unknown>): V2SignType {
  const type = fields['sign_type'];
  if (type === undefined || type === '') return 'MD5';
  if (!(V2_SIGN_TYPES as readonly unknown[]).includes(type)) {
    throw new AuthError({ api: 'v2', ok: false, rule: 'sign_type', reason: `sign_type ${String(type)} is not MD5 or HMAC-SHA256` }, 200, 'FAIL');
  }
  return type as V2SignType;
}

/** The string fields of an APIv2 message (nested elements are not signed). */
export function signedFields(fields: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Accepts an APIv2 request's fields, or throws an {@link AuthError} (`return_code` FAIL). */
export function verifyV2(fields: Record<string, unknown>, identity: Identity, options: { merchantField: boolean }): { type: V2SignType; verdict: Verdict } {
  const fail = (rule: CheckRule, reason: string, expected?: string): never => {
    throw new AuthError({ api: 'v2', ok: false, rule, reason, ...(expected === undefined ? {} : { expected }) }, 200, 'FAIL');
  };
  const expected = `${v2SignedPairs(fields)}&key=${SECRET_PLACEHOLDER}`;
  const named = MERCHANT_FIELDS.find((name) => fields[name] !== undefined);
  if (named === undefined) {
    if (options.merchantField) fail('merchant', 'mch_id is missing');
  } else if (fields[named] !== identity.mchid) {
    fail('merchant', `${named} ${String(fields[named])} is not a merchant of this sandbox (${identity.mchid})`);
  }
  const sign = fields['sign'];
  if (typeof sign !== 'string' || sign === '') fail('sign', 'sign is missing', expected);
  const type = signTypeOf(fields);
  if (!v2SignMatches(type, fields, identity.secret, sign as string)) {
    fail('sign', `签名错误: the ${type} sign does not match the fields with the merchant's APIv2 secret`, expected);
  }
  return { type, verdict: { api: 'v2', ok: true } };
}
