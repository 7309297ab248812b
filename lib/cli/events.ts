/**
 * The notification event types the API description documents (the generated `NotificationEventType`: the
 * description's `WechatpayNotificationEventType` list with its fix-ups; the table must name each, once, or it does
 * not compile, and spec/cli/events.spec.ts checks it against the description itself), each
 * with its summary, its `original_type` (the resource's associated data), and where a realistic resource comes
 * from: the documented answer of the endpoint that shows the same thing (a payment's is the order as its query
 * answers it), shaped or completed with `set`, or fields written here where no endpoint shows it.
 */
import type { NotificationEventType } from '../generated/notifications.js';
import type { Json, JsonObject } from '../sandbox/data.js';
import { loadData } from '../sandbox/data.js';
import { rfc3339 } from '../sandbox/ids.js';

export interface EventType {
  /** The envelope's `summary`, as the platform writes it. */
  summary: string;
  /** `resource.original_type` and `associated_data`. */
  original: string;
  /** The GET endpoint whose documented answer is the resource. */
  from?: string;
  /** Fields set on (or, without `from`, making) the resource. */
  set?: JsonObject;
  /** Only these fields of the answer are kept (the notification carries fewer than the query answers). */
  pick?: string[];
}

const PAY = 'v3/pay/transactions/out-trade-no/{out_trade_no}';
const REFUND = 'v3/refund/domestic/refunds/{out_refund_no}';
const REFUND_FIELDS = ['mchid', 'out_trade_no', 'transaction_id', 'out_refund_no', 'refund_id', 'refund_status', 'success_time', 'user_received_account', 'amount'];
const REFUND_AMOUNT = { total: 100, refund: 100, payer_total: 100, payer_refund: 100 };
const TRANSFER_FIELDS = ['out_bill_no', 'transfer_bill_no', 'state', 'mch_id', 'transfer_amount', 'openid', 'create_time', 'update_time'];
const EDU_PAY = 'v3/eduschoolpay/transactions/out-trade-no/{out_trade_no}';
const EDU_CONTRACT = 'v3/eduschoolpay/contracts/{contract_id}';
const SERVICE_ORDER = 'v3/payscore/serviceorder';
const PERMISSION = 'v3/payscore/permissions/openid/{openid}';
const SIGN_PLAN = 'v3/payscore/sign-plan/user-sign-plans/merchant-sign-plan-no/{merchant_sign_plan_no}';
const DISCOUNT_CARD = 'v3/discount-card/cards/{out_card_code}';
const MEMBER_CARD = 'v3/marketing/membercard-open/cards/{card_id}/codes/{code}';
const RECHARGE = 'v3/platsolution/ecommerce/recharges/out-recharge-no/{out_recharge_no}';
const COMBINE_CONTRACT = 'v3/ecommerce/combine-papay/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}';
const INSURANCE_CONTRACT = 'v3/papay/insurance-sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}';
const BUDGET = 'v3/fund-app/mch-transfer/partner/charity-budget/{out_budget_no}';
const QUOTA_CARD = 'v3/webizpay/employees/{employee_id}/quota-cards/{card_no}';
const WEBIZ_AUTHORIZATION = 'v3/webizpay/users/{user_id}/authorization-state';
/** Stands for the time the notification is made (Beijing time, as the platform writes it). */
const NOW = '<now>';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

const mall = (extra: JsonObject): JsonObject => ({
  mchid: '1230000109', merchant_name: '微信支付', shop_name: '微信支付', shop_number: '123456', appid: 'wxd678efh567hg6787', openid: OPENID, ...extra,
});

const TABLE = {
  'MALL_AUTH.ACTIVATE_CARD': { summary: '会员积分服务授权', original: 'mall_auth', from: 'v3/businesscircle/user-authorizations/{openid}', set: { authorize_state: 'AUTHORIZED', mchid: '1230000109', appid: 'wxd678efh567hg6787' } },
  'MALL_TRANSACTION.SUCCESS': { summary: '商圈支付成功', original: 'mall_transaction', set: mall({ time_end: NOW, amount: 200, transaction_id: '4200000533202000000000000000', commit_tag: 'AUTO_COMMIT' }) },
  'MALL_REFUND.SUCCESS': { summary: '商圈退款成功', original: 'mall_refund', set: mall({ refund_time: NOW, pay_amount: 200, refund_amount: 100, transaction_id: '4200000533202000000000000000', refund_id: '50000000382019052709732678859' }) },
  'TRANSACTION.SUCCESS': { summary: '支付成功', original: 'transaction', from: PAY, set: { trade_state: 'SUCCESS', trade_state_desc: '支付成功', success_time: NOW } },
  'TRANSACTION.FAIL': { summary: '支付失败', original: 'transaction', from: PAY, set: { trade_state: 'PAYERROR', trade_state_desc: '支付失败，请重新下单支付' } },
  'ECOMMERCE_ENTRUST.SIGN': { summary: '签约成功', original: 'entrust', from: COMBINE_CONTRACT, set: { contract_state: 'SIGNED' } },
  'ECOMMERCE_ENTRUST.TERMINATE': { summary: '解约成功', original: 'entrust', from: COMBINE_CONTRACT, set: { contract_state: 'TERMINATED', contract_terminated_time: NOW } },
  'ENTRUST.SIGNING': { summary: '签约成功', original: 'entrust', from: EDU_CONTRACT, set: { contract_status: 'ADD' } },
  'ENTRUST.RELEASE': { summary: '解约成功', original: 'entrust', from: EDU_CONTRACT, set: { contract_status: 'DELETE' } },
  'ENTRUST.TERMINATE_RETENTION': { summary: '解约挽留信息', original: 'entrust', from: INSURANCE_CONTRACT, set: { contract_state: 'SIGNED' } },
  'PROFITSHARING': { summary: '分账', original: 'profitsharing', set: { mchid: '1230000109', transaction_id: '4208450740201411110007820472', order_id: '3008450740201411110007820472', out_order_no: 'P20150806125346', receiver: { type: 'MERCHANT_ID', account: '1900000110', amount: 100, description: '分给商户1900000110' }, success_time: NOW } },
  'PROFITSHARING_RETURN': { summary: '分账回退', original: 'profitsharing', set: { mchid: '1230000109', transaction_id: '4208450740201411110007820472', order_id: '3008450740201411110007820472', out_order_no: 'P20150806125346', receiver: { type: 'MERCHANT_ID', account: '1900000110', amount: -10, description: '用户退款' }, success_time: NOW } },
  'COMPLAINT.CREATE': { summary: '产生新投诉', original: 'complaint', set: { complaint_id: '200201820200101080076610000', action_type: 'CREATE_COMPLAINT' } },
  'COMPLAINT.STATE_CHANGE': { summary: '投诉状态变化', original: 'complaint', set: { complaint_id: '200201820200101080076610000', action_type: 'CONTINUE_COMPLAINT' } },
  'REFUND.SUCCESS': { summary: '退款成功', original: 'refund', from: REFUND, pick: REFUND_FIELDS, set: { mchid: '1230000109', refund_status: 'SUCCESS', success_time: NOW, amount: REFUND_AMOUNT } },
  'REFUND.ABNORMAL': { summary: '退款异常', original: 'refund', from: REFUND, pick: REFUND_FIELDS, set: { mchid: '1230000109', refund_status: 'ABNORMAL', amount: REFUND_AMOUNT } },
  'REFUND.CLOSED': { summary: '退款关闭', original: 'refund', from: REFUND, pick: REFUND_FIELDS, set: { mchid: '1230000109', refund_status: 'CLOSED', amount: REFUND_AMOUNT } },
  'COUPON.USE': { summary: '代金券核销', original: 'coupon', from: 'v3/marketing/favor/users/{openid}/coupons/{coupon_id}', set: { status: 'USED' } },
  'COUPON.SEND': { summary: '领券', original: 'coupon', set: { event_type: 'COUPON.SEND', coupon_code: 'sxxe34343434', stock_id: '128888000000001', send_time: NOW, openid: OPENID, send_channel: 'BUSIFAVOR_CUSTOM_SEND_CHANNEL', send_merchant: '1230000109' } },
  'TRANSACTION.INDUSTRY_SUCCESS': { summary: '支付成功', original: 'transaction', from: EDU_PAY, set: { trade_state: 'SUCCESS', trade_state_desc: '支付成功' } },
  'TRANSACTION.INDUSTRY_FAILED': { summary: '支付失败', original: 'transaction', from: EDU_PAY, set: { trade_state: 'PAYERROR', trade_state_desc: '支付失败' } },
  'EDU_SCHOOL_PAY.USER_DEBT_STATE_UPDATE': { summary: '用户欠款状态变化', original: 'edu_school_pay', from: 'v3/eduschoolpay/users/{openid}/debt-state' },
  'PAYSCORE.BIND_SERVICE_ACCOUNT': { summary: '服务账户绑定结果', original: 'payscore', from: 'v3/payscore/partner/service-account-applications/{out_apply_no}', set: { apply_state: 'APPROVED' } },
  'PAYSCORE.USER_SIGN_PLAN': { summary: '用户签约计划成功', original: 'payscore', from: SIGN_PLAN },
  'PAYSCORE.USER_CANCEL_SIGN_PLAN': { summary: '用户取消签约计划', original: 'payscore', from: SIGN_PLAN },
  'PAYSCORE.USER_OPEN_SERVICE': { summary: '授权成功', original: 'payscore', from: PERMISSION, set: { authorization_state: 'AVAILABLE' } },
  'PAYSCORE.USER_CLOSE_SERVICE': { summary: '解除授权成功', original: 'payscore', from: PERMISSION, set: { authorization_state: 'UNAVAILABLE' } },
  'PAYSCORE.USER_CONFIRM': { summary: '用户确认成功', original: 'payscore', from: SERVICE_ORDER, set: { state: 'DOING', state_description: 'USER_CONFIRM' } },
  'PAYSCORE.USER_PAID': { summary: '支付成功', original: 'payscore', from: SERVICE_ORDER, set: { state: 'DONE', state_description: 'USER_PAID' } },
  'DISCOUNT_CARD.GET_CARD': { summary: '先享卡用户领卡', original: 'discount_card', from: DISCOUNT_CARD },
  'DISCOUNT_CARD.SETTLEMENT': { summary: '先享卡支付结算', original: 'discount_card', from: DISCOUNT_CARD },
  'DISCOUNT_CARD.USER_ACCEPTED': { summary: '先享卡用户领卡', original: 'discount_card', from: DISCOUNT_CARD },
  'DISCOUNT_CARD.AGREEMENT_ENDED': { summary: '先享卡用户守约状态变化', original: 'discount_card', from: DISCOUNT_CARD },
  'DISCOUNT_CARD.USER_PAID': { summary: '先享卡扣费状态变化', original: 'discount_card', from: DISCOUNT_CARD },
  'MEMBERCARD.ACCEPT_CARD': { summary: '领卡', original: 'membercard', from: MEMBER_CARD },
  'MEMBERCARD.ACTIVATE_CARD': { summary: '激活', original: 'membercard', from: MEMBER_CARD },
  'MEMBERCARD.USERCARD_MANAGE': { summary: '用户管理会员卡', original: 'membercard', from: MEMBER_CARD },
  'HIRE_POWER_BANK.RECEIVE_INSURANCE': { summary: '隔夜归还保险订单状态变化', original: 'hire_power_bank', from: 'v3/hire-power-bank/insurance-orders/{out_order_no}' },
  'RECHARGE.SUCCESS': { summary: '充值成功', original: 'recharge', from: RECHARGE, set: { recharge_state: 'SUCCESS' } },
  'RECHARGE.CLOSED': { summary: '关闭充值', original: 'recharge', from: RECHARGE, set: { recharge_state: 'CLOSED' } },
  'APPLYMENT_STATE.APPROVED': { summary: '审核通过', original: 'applyment', from: 'v3/applyment4sub/applyment/applyment_id/{applyment_id}', set: { applyment_state: 'APPLYMENT_STATE_FINISHED' } },
  'PAPAY.SIGN': { summary: '签约成功', original: 'papay', from: COMBINE_CONTRACT, set: { contract_state: 'SIGNED' } },
  'PAPAY.TERMINATE': { summary: '解约成功', original: 'papay', from: COMBINE_CONTRACT, set: { contract_state: 'TERMINATED', contract_terminated_time: NOW } },
  'FACEPAY.USER_STATE_CHANGE': { summary: '刷脸签约状态变更', original: 'facepay', from: 'v3/offlineface/contracts/{contract_id}', set: { contract_state: 'CONTRACTED' } },
  'SETTLEMENT.SUCCESS': { summary: '结算成功', original: 'settlement', set: { mchid: '1230000109', settlement_id: '1000000000000000000001', settlement_time: NOW, amount: 10000, currency: 'CNY' } },
  'MCHWITHDRAW.CHANGE': { summary: '提现状态变更', original: 'mchwithdraw', from: 'v3/merchant/fund/withdraw/withdraw-id/{withdraw_id}', set: { status: 'SUCCESS' } },
  'MCHTRANSFER.QQWALLETBILL.FINISHED': { summary: '转账到QQ钱包完成', original: 'mch_payment', from: 'v3/fund-app/mch-transfer/transfer-to-qq-wallet-bills/{out_bill_no}', set: { state: 'SUCCESS' } },
  'MCHTRANSFER.AUTHORIZATION.CONFIRMED': { summary: '自动收款授权完成', original: 'mch_payment', from: 'v3/fund-app/mch-transfer/user-confirm-authorization/out-authorization-no/{out_authorization_no}', set: { state: 'TAKING_EFFECT' } },
  'MEMBERCARDSP.USER_CARD.CREATE': { summary: '用户领取会员卡', original: 'membercardsp', from: MEMBER_CARD },
  'MEMBERCARDSP.USER_CARD.DELETE': { summary: '用户删除会员卡', original: 'membercardsp', from: MEMBER_CARD },
  'BUDGET.LOCKED': { summary: '预算已锁定', original: 'budget', from: BUDGET, set: { state: 'LOCKED' } },
  'BUDGET.CLOSED': { summary: '预算已关闭', original: 'budget', from: BUDGET, set: { state: 'CLOSED' } },
  'BUDGET.FINISHED': { summary: '预算已完成', original: 'budget', from: BUDGET, set: { state: 'FINISHED' } },
  'WEBIZPAY.QUOTACARDEXPIRED': { summary: '额度卡失效', original: 'webizpay', from: QUOTA_CARD, set: { state: 'EXPIRED' } },
  'WEBIZPAY.PAYMENTSUCCESS': { summary: '额度卡支付成功', original: 'webizpay', from: QUOTA_CARD },
  'WEBIZPAY.PAYMENTREFUNDSUCCESS': { summary: '额度卡退款成功', original: 'webizpay', from: QUOTA_CARD },
  'WEBIZPAY.REVOKED': { summary: '关系解除授权', original: 'webizpay', from: WEBIZ_AUTHORIZATION },
  'WEBIZPAY.AUTHORIZED': { summary: '关系授权完成', original: 'webizpay', from: WEBIZ_AUTHORIZATION },
  // Added to the description's list by a fix-up (docs/api/fix-ups.md).
  'MCHTRANSFER.BILL.FINISHED': { summary: '商家转账单据终态通知', original: 'mch_payment', from: 'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}', pick: TRANSFER_FIELDS, set: { state: 'SUCCESS', update_time: NOW } },
} satisfies Record<NotificationEventType, EventType>;

/** The table by event type, in the description's order. */
export const EVENT_TYPES: ReadonlyMap<string, EventType> = new Map(Object.entries(TABLE));

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Merchant-id fields of a resource: the sandbox's merchant, as a notification for it carries. */
const MERCHANT_FIELDS = ['mchid', 'mch_id', 'sp_mchid'];

/** A realistic resource for an event type, for the merchant `mchid`, made at `at`. */
export function resourceOf(eventType: string, mchid: string, at = new Date()): JsonObject {
  const event = EVENT_TYPES.get(eventType);
  if (!event) throw new Error(`${eventType} is not an event type the API description documents`);
  let resource: JsonObject = {};
  if (event.from) {
    const entry = loadData().endpoints.find((endpoint) => endpoint.method === 'get' && endpoint.template === event.from);
    const answer: Json | undefined = entry?.example.answer;
    if (!isObject(answer)) throw new Error(`The API description has no documented answer of GET ${event.from}`);
    resource = answer;
  }
  // The description's answer is shared: only copies are changed (this one, then the deep one returned).
  resource = { ...resource, ...(event.set ?? {}) };
  if (event.pick) resource = Object.fromEntries(event.pick.filter((key) => key in resource).map((key) => [key, resource[key]!]));
  for (const key of MERCHANT_FIELDS) if (typeof resource[key] === 'string') resource[key] = mchid;
  return JSON.parse(JSON.stringify(resource), (_key, value: unknown) => (value === NOW ? rfc3339(at) : value)) as JsonObject;
}
