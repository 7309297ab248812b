/**
 * What the sandbox remembers between requests (in memory, for the life of the sandbox): coupon codes
 * per stock, orders and refunds, uploaded media and prepared bills. The behaviours (behaviours/*.ts)
 * read and change it; `reset()` forgets everything.
 */

/** One stock's coupon codes, and the answers already given per `out_request_no` (calls are idempotent). */
export interface CouponStock {
  codes: Set<string>;
  requests: Map<string, { fingerprint: string; answer: Record<string, unknown> }>;
}

export type TradeType = 'JSAPI' | 'NATIVE' | 'MWEB' | 'APP';
export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

export interface Order {
  /** Direct merchant (`mchid`) or service provider (`sp_mchid` + `sub_mchid`). */
  partner: boolean;
  mchid: string;
  sub_mchid?: string;
  appid?: string;
  sub_appid?: string;
  out_trade_no: string;
  description: string;
  attach?: string;
  notify_url: string;
  trade_type: TradeType;
  trade_state: TradeState;
  amount: { total: number; currency: string };
  payer?: Record<string, string>;
  /** Given once paid. */
  transaction_id?: string;
  bank_type?: string;
  success_time?: string;
  create_time: string;
  /** The answer of the create call (prepay_id, code_url or h5_url), replayed for the same request. */
  prepay: Record<string, string>;
  /** The create call's body, to tell a replay from a conflicting order. */
  fingerprint: string;
  /** Cents refunded so far (refunds that did not fail). */
  refunded: number;
}

export interface Refund {
  mchid: string;
  sub_mchid?: string;
  out_refund_no: string;
  refund_id: string;
  out_trade_no: string;
  transaction_id: string;
  reason?: string;
  notify_url?: string;
  status: 'PROCESSING' | 'SUCCESS';
  amount: { total: number; refund: number; currency: string };
  create_time: string;
  success_time?: string;
  fingerprint: string;
}

export interface StoredMedia {
  bytes: Buffer;
  filename: string;
  contentType: string;
}

export interface StoredBill {
  /** The bill as downloaded (gzip when asked for). */
  bytes: Buffer;
  gzip: boolean;
}

export class SandboxState {
  readonly coupons = new Map<string, CouponStock>();
  /** Orders by `<merchant>|<sub merchant>|<out_trade_no>`. */
  readonly orders = new Map<string, Order>();
  readonly refunds = new Map<string, Refund>();
  readonly media = new Map<string, StoredMedia>();
  readonly bills = new Map<string, StoredBill>();

  reset(): void {
    this.coupons.clear();
    this.orders.clear();
    this.refunds.clear();
    this.media.clear();
    this.bills.clear();
  }
}

export const orderKey = (mchid: string, subMchid: string | undefined, outTradeNo: string): string => `${mchid}|${subMchid ?? ''}|${outTradeNo}`;
export const refundKey = (mchid: string, subMchid: string | undefined, outRefundNo: string): string => `${mchid}|${subMchid ?? ''}|${outRefundNo}`;
