/**
 * The decrypted `resource` of each notification event type, where the API description gives its shape.
 *
 * The description lists every `event_type` (v3/webhooks.yaml, `WechatpayNotificationEventType`, as fixed by
 * fixups.ts) but not which resource each carries: this table says so, by the endpoint whose answer has the
 * resource's shape (a payment's resource is the order as its query answers it) or, where no endpoint answers
 * with it, by the schema the platform's page documents. Event types missing here get a plain record.
 */
import type { Method, Schema } from './model.js';

export type ResourceSource =
  | { endpoint: string; method: Method }
  | { name: string; doc: string; schema: Schema };

const str = (description: string): Schema => ({ type: 'string', description });
const int = (description: string): Schema => ({ type: 'integer', description });

/** 退款结果通知: https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_1_11.shtml (no endpoint answers with this shape). */
const REFUND: ResourceSource = {
  name: 'RefundNotificationResource',
  doc: 'A refund notification\'s resource (退款结果通知).',
  schema: {
    type: 'object',
    required: ['mchid', 'out_trade_no', 'transaction_id', 'out_refund_no', 'refund_id', 'refund_status', 'user_received_account', 'amount'],
    properties: {
      mchid: str('直连商户号'),
      sp_mchid: str('服务商户号 (partner notifications)'),
      sub_mchid: str('子商户号 (partner notifications)'),
      out_trade_no: str('商户订单号'),
      transaction_id: str('微信支付订单号'),
      out_refund_no: str('商户退款单号'),
      refund_id: str('微信支付退款单号'),
      refund_status: { type: 'string', description: '退款状态', enum: ['SUCCESS', 'CLOSED', 'ABNORMAL'] },
      success_time: str('退款成功时间'),
      user_received_account: str('退款入账账户'),
      amount: {
        type: 'object',
        description: '金额信息',
        required: ['total', 'refund', 'payer_total', 'payer_refund'],
        properties: { total: int('订单金额'), refund: int('退款金额'), payer_total: int('用户支付金额'), payer_refund: int('用户退款金额') },
      },
    },
  },
};

/** 商家转账回调通知, of the 2025 商家转账 (user confirmation mode) documentation (the event is added to the description's list by fixups.ts). */
const TRANSFER_BILL_FINISHED: ResourceSource = {
  name: 'TransferBillFinishedResource',
  doc: 'A transfer bill\'s end (商家转账回调通知, `MCHTRANSFER.BILL.FINISHED`): SUCCESS, FAIL (with `fail_reason`) or CANCELLED.',
  schema: {
    type: 'object',
    required: ['out_bill_no', 'transfer_bill_no', 'state', 'mch_id', 'transfer_amount', 'openid', 'create_time', 'update_time'],
    properties: {
      out_bill_no: str('商户单号'),
      transfer_bill_no: str('微信转账单号'),
      state: { type: 'string', description: '单据状态', enum: ['SUCCESS', 'FAIL', 'CANCELLED'] },
      mch_id: str('商户号'),
      transfer_amount: int('转账金额 (分)'),
      openid: str('收款用户OpenID'),
      fail_reason: str('失败原因 (state FAIL)'),
      create_time: str('单据创建时间'),
      update_time: str('最后一次状态变更时间'),
    },
  },
};

export const NOTIFICATION_RESOURCES: Readonly<Record<string, ResourceSource>> = {
  'TRANSACTION.SUCCESS': { endpoint: 'v3/pay/transactions/out-trade-no/{out_trade_no}', method: 'get' },
  'REFUND.SUCCESS': REFUND,
  'REFUND.ABNORMAL': REFUND,
  'REFUND.CLOSED': REFUND,
  'MCHTRANSFER.BILL.FINISHED': TRANSFER_BILL_FINISHED,
};
