import type { Paths } from '../generated/index.js';

/** The `data` an endpoint's verb resolves to, from the generated types. */
type DataOf<P extends keyof Paths, V extends string> = Paths[P] extends Record<V, (...args: never[]) => Promise<{ data: infer D }>> ? D : never;

/** A refund notification's resource (退款结果通知). */
export interface RefundNotificationResource {
  mchid: string;
  sub_mchid?: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
  success_time?: string;
  user_received_account: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

/**
 * The decrypted `resource` of the notifications whose shape the API description gives: a payment's is the
 * order as its query answers it; a refund's is the refund result.
 */
export interface NotificationResources {
  'TRANSACTION.SUCCESS': DataOf<'v3/pay/transactions/out-trade-no/{out_trade_no}', 'get'>;
  'REFUND.SUCCESS': RefundNotificationResource;
  'REFUND.ABNORMAL': RefundNotificationResource;
  'REFUND.CLOSED': RefundNotificationResource;
}

/** The event types with a known resource shape. */
export type KnownEventType = keyof NotificationResources;
