/**
 * APIv2 callback notifications, sent as the platform sends them: XML POSTed to the order's `notify_url`.
 * The payment result is signed with the merchant's APIv2 secret (MD5, or HMAC-SHA256 with `sign_type`
 * saying so); the refund result is not signed, its details go in `req_info`, AES-256-ECB encrypted with the
 * lower-case hex MD5 of the secret. One attempt; the receiver's answer is returned.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AesEcb } from '../../crypto/aes-ecb.js';
import { ALGO_HMAC_SHA256, Hash, type SignType } from '../../crypto/hash.js';
import { Formatter } from '../../util/formatter.js';
import { Transformer } from '../../util/transformer.js';
import type { NotificationResult } from '../call.js';
import type { Identity } from '../identity.js';
import { billTime, rfc3339 } from '../ids.js';
import type { Order, Refund } from '../state.js';

/** Ways to spoil an APIv2 notification, to test a receiver. */
export interface NotifyV2Options {
  /** The payment result's sign type (default MD5); HMAC-SHA256 is announced with `sign_type`. */
  signType?: SignType;
  /** `bad-signature`: a payment signed with another secret; a refund's `req_info` encrypted with another key. */
  fault?: 'bad-signature';
}

/** `20250101080000`, Beijing time. */
const compactTime = (at: string): string => rfc3339(new Date(at)).slice(0, 19).replace(/[-T:]/g, '');

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
    nonce_str: Formatter.nonce(),
    ...(type === ALGO_HMAC_SHA256 ? { sign_type: type } : {}),
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
  return Transformer.toXml({ ...fields, sign: Hash.sign(type, fields, secretOf(identity, options)) });
}

/** The refund result of a refund, `req_info` encrypted. */
export function refundNotificationV2(identity: Identity, refund: Refund, order: Order | undefined, options: NotifyV2Options = {}): string {
  if (refund.status !== 'SUCCESS') throw new Error(`Refund ${refund.out_refund_no} is ${refund.status}: only a finished refund is notified`);
  const info = Transformer.toXml({
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
  return Transformer.toXml({
    return_code: 'SUCCESS',
    appid: order?.appid ?? order?.sub_appid ?? '',
    mch_id: refund.mchid,
    ...(refund.sub_mchid ? { sub_mch_id: refund.sub_mchid } : {}),
    nonce_str: Formatter.nonce(),
    req_info: AesEcb.encrypt(info, Hash.md5(secretOf(identity, options))),
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
