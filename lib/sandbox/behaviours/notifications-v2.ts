/**
 * APIv2 callback notifications, sent as the platform sends them: XML POSTed to the order's `notify_url`.
 * The payment result is signed with the merchant's APIv2 secret (MD5, or HMAC-SHA256 with `sign_type`
 * saying so); the refund result is not signed, its details go in `req_info`, AES-256-ECB encrypted with the
 * lower-case hex MD5 of the secret. One attempt; the receiver's answer is returned.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createCipheriv, createHash } from 'node:crypto';
import type { NotificationResult } from '../call.js';
import type { Identity } from '../identity.js';
import { billTime, nonce, rfc3339 } from '../ids.js';
import { toV2Xml, v2Sign, type V2SignType } from '../v2.js';
import type { Order, Refund } from '../state.js';

/** Ways to spoil an APIv2 notification, to test a receiver. */
export interface NotifyV2Options {
  /** The payment result's sign type (default MD5); HMAC-SHA256 is announced with `sign_type`. */
  signType?: V2SignType;
  /** `bad-signature`: a payment signed with another secret; a refund's `req_info` encrypted with another key. */
  fault?: 'bad-signature';
}

/** `20250101080000`, Beijing time. */
const compactTime = (at: string): string => rfc3339(new Date(at)).slice(0, 19).replace(/[-T:]/g, '');

/** AES-256-ECB with PKCS#7 padding, base64: how the platform encrypts `req_info` (with node:crypto, not the client's AesEcb). */
function aes256Ecb(plaintext: string, key: string): string {
  const cipher = createCipheriv('aes-256-ecb', Buffer.from(key, 'utf8'), null);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

const secretOf = (identity: Identity, options: NotifyV2Options): string =>
  (options.fault === 'bad-signature' ? `${identity.secret.slice(1)}x` : identity.secret);

/** The payment result of a paid order, signed. */
export function paymentNotificationV2(identity: Identity, order: Order, options: NotifyV2Options = {}): string {
  if (order.transaction_id === undefined || order.success_time === undefined) throw new Error(`Order ${order.out_trade_no} is ${order.trade_state}: only a paid order is notified`);
  const type = options.signType ?? 'MD5';
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: order.appid ?? order.sub_appid ?? '',
    mch_id: order.mchid,
    ...(order.sub_mchid ? { sub_mch_id: order.sub_mchid } : {}),
    ...(order.partner && order.sub_appid ? { sub_appid: order.sub_appid } : {}),
    nonce_str: nonce(),
    ...(type === 'HMAC-SHA256' ? { sign_type: type } : {}),
    result_code: 'SUCCESS',
    openid: order.payer?.['openid'] ?? order.payer?.['sp_openid'] ?? '',
    is_subscribe: 'N',
    trade_type: order.trade_type,
    bank_type: order.bank_type ?? 'OTHERS',
    total_fee: String(order.amount.total),
    fee_type: order.amount.currency,
    cash_fee: String(order.amount.total),
    transaction_id: order.transaction_id,
    out_trade_no: order.out_trade_no,
    ...(order.attach ? { attach: order.attach } : {}),
    time_end: compactTime(order.success_time),
  };
  return toV2Xml({ ...fields, sign: v2Sign(type, fields, secretOf(identity, options)) });
}

/** The refund result of a refund, `req_info` encrypted. */
export function refundNotificationV2(identity: Identity, refund: Refund, order: Order | undefined, options: NotifyV2Options = {}): string {
  if (refund.status !== 'SUCCESS') throw new Error(`Refund ${refund.out_refund_no} is ${refund.status}: only a finished refund is notified`);
  const info = toV2Xml({
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    total_fee: String(refund.amount.total),
    settlement_total_fee: String(refund.amount.total),
    refund_fee: String(refund.amount.refund),
    settlement_refund_fee: String(refund.amount.refund),
    refund_status: 'SUCCESS',
    success_time: billTime(new Date(refund.success_time ?? refund.create_time)),
    refund_recv_accout: '支付用户零钱',
    refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
    refund_request_source: 'API',
  });
  return toV2Xml({
    return_code: 'SUCCESS',
    appid: order?.appid ?? order?.sub_appid ?? '',
    mch_id: refund.mchid,
    ...(refund.sub_mchid ? { sub_mch_id: refund.sub_mchid } : {}),
    nonce_str: nonce(),
    req_info: aes256Ecb(info, md5Hex(secretOf(identity, options))),
  });
}

/** POSTs an XML notification to `url` and resolves with the receiver's answer (rejects when it cannot be reached). */
export function sendXmlNotification(url: string, body: string): Promise<NotificationResult> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Error(`A notification goes to an http(s) URL, got ${url}`));
  const headers = { 'Content-Type': 'text/xml', 'User-Agent': 'Mozilla/4.0' };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), sent: { headers, body } }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`The notification to ${url} got no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
