/**
 * APIv2 callback notifications (XML, POSTed to the order's `notify_url`): the payment result, whose `sign`
 * is checked with the APIv2 secret (MD5 or HMAC-SHA256, as `sign_type` says, else as the sign's length
 * tells), and the refund result, unsigned, whose `req_info` is AES-256-ECB encrypted with the lower-case hex
 * MD5 of the APIv2 secret and comes back decrypted and parsed in its place. The reply the platform expects
 * is XML too: `<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>`.
 */
import { AesEcb } from '../crypto/aes-ecb.js';
import { ALGO_HMAC_SHA256, ALGO_MD5, Hash } from '../crypto/hash.js';
import { ConfigError, VerificationError, type VerificationErrorCode } from '../errors.js';
import { plainHeaders, type HeaderBag } from '../util/headers.js';
import { Transformer, type XmlRecord } from '../util/transformer.js';

/** The raw callback: headers (any casing) and the body bytes exactly as received. */
export interface NotificationV2Request {
  headers?: HeaderBag;
  body: string | Buffer | Uint8Array;
}

export interface NotificationV2Options {
  /** The APIv2 secret (32 bytes). */
  secret: string;
  /** The merchant the notification must be for (its `mch_id`); `client.notification.parseV2` gives the client's. */
  mchid?: string;
}

/** What every APIv2 notification carries around its content. */
export interface V2NotificationEnvelope {
  return_code: string;
  return_msg?: string;
  appid: string;
  mch_id: string;
  sub_appid?: string;
  sub_mch_id?: string;
  nonce_str: string;
}

/** The payment result (支付结果通知), its `sign` verified. Every value is a string, as XML carries it. */
export interface V2PaymentNotification extends V2NotificationEnvelope {
  device_info?: string;
  sign: string;
  sign_type?: string;
  result_code: 'SUCCESS' | 'FAIL' | (string & {});
  err_code?: string;
  err_code_des?: string;
  openid: string;
  is_subscribe?: string;
  sub_openid?: string;
  sub_is_subscribe?: string;
  trade_type: string;
  bank_type: string;
  /** Cents. */
  total_fee: string;
  settlement_total_fee?: string;
  fee_type?: string;
  cash_fee: string;
  cash_fee_type?: string;
  coupon_fee?: string;
  coupon_count?: string;
  transaction_id: string;
  out_trade_no: string;
  attach?: string;
  /** `yyyyMMddHHmmss`, Beijing time. */
  time_end: string;
  /** Entrusted payments (`PAP`). */
  contract_id?: string;
  user_repaid?: string;
  trade_state?: string;
  /** `coupon_type_0`, `coupon_id_0`, `coupon_fee_0`, ... */
  [coupon: `coupon_${string}_${number}`]: string | undefined;
}

/** The decrypted `req_info` of a refund result (退款结果通知). */
export interface V2RefundInfo {
  transaction_id: string;
  out_trade_no: string;
  refund_id: string;
  out_refund_no: string;
  /** Cents. */
  total_fee: string;
  settlement_total_fee?: string;
  refund_fee: string;
  settlement_refund_fee: string;
  refund_status: 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE' | (string & {});
  /** `yyyy-MM-dd HH:mm:ss`. */
  success_time?: string;
  /** (sic: the platform's spelling) */
  refund_recv_accout: string;
  refund_account: string;
  refund_request_source: string;
  cash_refund_fee?: string;
}

/** The refund result: the envelope, `req_info` decrypted and parsed in place of its ciphertext. */
export interface V2RefundNotification extends V2NotificationEnvelope {
  req_info: V2RefundInfo;
}

/** Either notification; `'req_info' in notification` tells a refund. */
export type V2Notification = V2PaymentNotification | V2RefundNotification;

/** What a handler answers: write `status`, `headers` and `body` back to the platform. */
export interface NotificationV2Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The 32-byte APIv2 secret, checked where it is given. */
export function checkedSecret(secret: unknown): string {
  if (typeof secret !== 'string' || Buffer.byteLength(secret) !== 32) {
    const got = typeof secret === 'string' ? `${Buffer.byteLength(secret)} bytes` : secret === undefined ? 'nothing' : `a ${typeof secret}`;
    throw new ConfigError('secret', `must be the 32-byte APIv2 secret, got ${got}`);
  }
  return secret;
}

/** Verifies (a payment) or decrypts (a refund) one APIv2 notification. */
export function parseV2Notification(request: NotificationV2Request, options: NotificationV2Options): V2Notification {
  const secret = checkedSecret(options.secret);
  const raw = rawXml(request);
  const fail = (code: VerificationErrorCode, message: string, cause?: unknown) => new VerificationError(code, message, {
    headers: plainHeaders(request.headers ?? {}),
    body: raw,
  }, { cause });
  let fields: XmlRecord;
  try {
    fields = Transformer.toArray(raw);
  } catch (error) {
    throw fail('EV2_NOTIFY_BODY', `The APIv2 notification is not acceptable XML: ${(error as Error).message}`, error);
  }
  const text = (name: string): string | undefined => (typeof fields[name] === 'string' ? fields[name] : undefined);
  if (text('return_code') !== 'SUCCESS') {
    throw fail('EV2_NOTIFY_BODY', `The APIv2 notification says return_code=${text('return_code') ?? '(none)'}: ${text('return_msg') ?? 'nothing to process'}`);
  }
  if (options.mchid !== undefined && text('mch_id') !== options.mchid) {
    throw fail('EV2_NOTIFY_BODY', `The APIv2 notification is for merchant ${text('mch_id') ?? '(none)'}, not ${options.mchid}`);
  }
  if ('req_info' in fields) return { ...fields, req_info: refundInfo(text('req_info'), secret, fail) } as unknown as V2RefundNotification;

  const sign = text('sign');
  if (!sign) throw fail('EV2_NOTIFY_SIGN', 'The APIv2 payment notification carries no sign: it cannot be trusted');
  const named = text('sign_type');
  if (named !== undefined && named !== ALGO_MD5 && named !== ALGO_HMAC_SHA256) {
    throw fail('EV2_NOTIFY_SIGN', `The APIv2 payment notification's sign_type ${named} is neither ${ALGO_MD5} nor ${ALGO_HMAC_SHA256}`);
  }
  const type = named ?? (sign.length === 64 ? ALGO_HMAC_SHA256 : ALGO_MD5);
  const signed = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  if (!Hash.equals(Hash.sign(type, signed, secret), sign)) {
    throw fail('EV2_NOTIFY_SIGN', `The APIv2 payment notification's ${type} sign does not match its fields: altered, forged, or signed with another secret`);
  }
  return fields as unknown as V2PaymentNotification;
}

/** A refund's `req_info`: AES-256-ECB with the lower-case hex MD5 of the secret, then XML. */
function refundInfo(cipher: string | undefined, secret: string, fail: (code: VerificationErrorCode, message: string, cause?: unknown) => VerificationError): V2RefundInfo {
  if (!cipher) throw fail('EV2_NOTIFY_REQ_INFO', 'The APIv2 refund notification\'s req_info is empty');
  let plaintext: string;
  try {
    plaintext = AesEcb.decrypt(cipher, Hash.md5(secret));
  } catch (error) {
    throw fail('EV2_NOTIFY_REQ_INFO', 'The APIv2 refund notification\'s req_info does not decrypt with the APIv2 secret: altered, or for another merchant', error);
  }
  try {
    return Transformer.toArray(plaintext) as unknown as V2RefundInfo;
  } catch (error) {
    throw fail('EV2_NOTIFY_REQ_INFO', 'The APIv2 refund notification\'s decrypted req_info is not XML', error);
  }
}

function rawXml(request: NotificationV2Request): string {
  const body: unknown = request?.body;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const kind = body === undefined || body === null ? String(body) : typeof body === 'object' ? 'an already-parsed object' : typeof body;
  throw new VerificationError('EV2_NOTIFY_BODY',
    `An APIv2 notification is verified over its raw XML body (a string or Buffer), got ${kind}: keep the raw body ` +
    '(express.raw({ type: ["text/xml", "application/xml"] }), Koa ctx.request.rawBody, `await request.text()`).');
}

/** The reply that tells the platform the notification was handled. */
export function successV2(): NotificationV2Reply {
  return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: Transformer.toXml({ return_code: 'SUCCESS', return_msg: 'OK' }) };
}

/** The reply that asks the platform to notify again later. */
export function failureV2(message = 'FAIL'): NotificationV2Reply {
  return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: Transformer.toXml({ return_code: 'FAIL', return_msg: message }) };
}
