/**
 * Transfer bills, the 2025 商家转账 in user confirmation mode (`v3/fund-app/mch-transfer/transfer-bills`):
 *
 *     create ─> WAIT_USER_CONFIRM (with package_info) ─ the payee confirms ─> TRANSFERING ─> SUCCESS
 *                                                                                         └─> FAIL (a fail_reason asked for)
 *                       ├─ the payee declines ─> FAIL (fail_reason asked for, OTHER_FAIL_REASON_TYPE by default)
 *                       ├─ 24 h without confirmation ─> FAIL (OVERDUE_CLOSE)
 *                       └─ the merchant cancels ─> CANCELING ─> CANCELLED
 *
 * Every end (SUCCESS, FAIL, CANCELLED) delivers `MCHTRANSFER.BILL.FINISHED` to the bill's notify_url.
 * The window, the transfer and the cancellation take business time (the sandbox clock): advancing it
 * gets there at once; otherwise they happen in real time (24 h, 5 s, 5 s).
 *
 * Create is idempotent per `out_bill_no`: the same body answers the first bill as it is now; another
 * body is `400 INVALID_REQUEST`. Each new bill gets its own `transfer_bill_no`. With an operation account
 * balance set (`PUT /__sandbox/transfers/balance`), a bill takes its amount from it when made (`403
 * NOT_ENOUGH` past it) and gives it back when it fails or is cancelled.
 */
import { randomBytes } from 'node:crypto';
import type { Call, Handler, NotificationInput, Runtime } from '../call.js';
import { json } from '../answers.js';
import { InputError, requiredText, objectOf as record, optionalText as str } from '../checks.js';
import { notFound, type ControlRoute } from '../control.js';
import { invalidRequest, paramError, PlatformError } from '../errors.js';
import { ids, rfc3339 } from '../ids.js';
import { transferKey, type Delivery, type TransferBill } from '../state.js';

/** How long the payee has to confirm (the platform's 24 hours). */
export const CONFIRM_WINDOW_SECONDS = 24 * 3600;
/** How long a confirmed transfer stays TRANSFERING, and a cancellation CANCELING (business seconds). */
export const TRANSFER_SECONDS = 5;
export const CANCEL_SECONDS = 5;

/** The documented `fail_reason` values (商家转账 单据失败原因). */
export const TRANSFER_FAIL_REASONS: readonly string[] = [
  'ACCOUNT_FROZEN', 'REAL_NAME_CHECK_FAIL', 'NAME_NOT_CORRECT', 'OPENID_INVALID', 'TRANSFER_QUOTA_EXCEED',
  'DAY_RECEIVED_QUOTA_EXCEED', 'MONTH_RECEIVED_QUOTA_EXCEED', 'DAY_RECEIVED_COUNT_EXCEED', 'PRODUCT_AUTH_CHECK_FAIL',
  'OVERDUE_CLOSE', 'ID_CARD_NOT_CORRECT', 'ACCOUNT_NOT_EXIST', 'TRANSFER_RISK', 'OTHER_FAIL_REASON_TYPE',
  'REALNAME_ACCOUNT_RECEIVED_QUOTA_EXCEED', 'RECEIVE_ACCOUNT_NOT_PERMMIT', 'PAYEE_ACCOUNT_ABNORMAL', 'PAYER_ACCOUNT_ABNORMAL',
  'TRANSFER_REMARK_SET_FAIL', 'TRANSFER_SCENE_INVALID', 'TRANSFER_SCENE_UNAVAILABLE', 'RECEIVE_ACCOUNT_NOT_CONFIGURE',
  'BLOCK_B2C_USERLIMITAMOUNT_BSRULE_MONTH', 'BLOCK_B2C_USERLIMITAMOUNT_MONTH',
];

/** The report items each scene requires (转账场景报备信息), for the scenes whose list is documented. */
const SCENE_REPORT_INFOS: Readonly<Record<string, readonly string[]>> = {
  1000: ['活动名称', '奖励说明'],
  1005: ['岗位类型', '报酬说明'],
};

/** The smallest transfer (0.1 yuan), and the amount from which the payee's name is required (2,000 yuan). */
const MIN_AMOUNT = 10;
const NAME_FROM = 200_000;

const FINAL = new Set(['SUCCESS', 'FAIL', 'CANCELLED']);

type Body = Record<string, unknown>;

const billNotFound = () => new PlatformError(404, 'NOT_FOUND', '记录不存在');

/** The bill as its query endpoints show it. */
export function transferView(bill: TransferBill): Record<string, unknown> {
  return {
    mch_id: bill.mch_id, out_bill_no: bill.out_bill_no, transfer_bill_no: bill.transfer_bill_no, appid: bill.appid,
    state: bill.state, transfer_amount: bill.transfer_amount, transfer_remark: bill.transfer_remark,
    ...(bill.fail_reason ? { fail_reason: bill.fail_reason } : {}), openid: bill.openid,
    create_time: bill.create_time, update_time: bill.update_time,
  };
}

/** What the create call answers (the first bill, as it is now, for a retry). */
function createdView(bill: TransferBill): Record<string, unknown> {
  return {
    out_bill_no: bill.out_bill_no, transfer_bill_no: bill.transfer_bill_no, create_time: bill.create_time, state: bill.state,
    ...(bill.fail_reason ? { fail_reason: bill.fail_reason } : {}),
    ...(bill.state === 'WAIT_USER_CONFIRM' ? { package_info: bill.package_info } : {}),
  };
}

/** `MCHTRANSFER.BILL.FINISHED`, with its documented resource. */
export function transferNotification(bill: TransferBill): NotificationInput {
  return {
    event_type: 'MCHTRANSFER.BILL.FINISHED',
    original_type: 'mch_payment',
    summary: '商家转账单据终态通知',
    resource: {
      out_bill_no: bill.out_bill_no, transfer_bill_no: bill.transfer_bill_no, state: bill.state, mch_id: bill.mch_id,
      transfer_amount: bill.transfer_amount, openid: bill.openid, ...(bill.fail_reason ? { fail_reason: bill.fail_reason } : {}),
      create_time: bill.create_time, update_time: bill.update_time,
    },
  };
}

function checkReportInfos(body: Body): void {
  const needed = SCENE_REPORT_INFOS[String(body['transfer_scene_id'])];
  if (!needed) return;
  const given = new Set((Array.isArray(body['transfer_scene_report_infos']) ? body['transfer_scene_report_infos'] : []).map((info) => str(record(info)['info_type'])));
  const missing = needed.filter((type) => !given.has(type));
  if (missing.length) {
    throw paramError('body', '/transfer_scene_report_infos', `must report ${missing.join(', ')} for transfer scene ${String(body['transfer_scene_id'])}`);
  }
}

const create: Handler = (call) => {
  const body = record(call.body);
  const { runtime } = call;
  const { state } = runtime;
  const mchid = runtime.identity.mchid;
  const outBillNo = String(body['out_bill_no']);
  const fingerprint = JSON.stringify(body);
  const key = transferKey(mchid, outBillNo);
  const existing = state.transfers.get(key);
  if (existing) {
    if (existing.fingerprint === fingerprint) return json(createdView(existing));
    throw invalidRequest(`商户单号重复: out_bill_no ${outBillNo} is bill ${existing.transfer_bill_no}, made with other parameters`);
  }
  const amount = Number(body['transfer_amount']);
  if (!Number.isSafeInteger(amount) || amount < MIN_AMOUNT) {
    throw paramError('body', '/transfer_amount', `must be a whole number of cents, ${MIN_AMOUNT} (0.1 yuan) or more`, body['transfer_amount']);
  }
  if (amount >= NAME_FROM && !str(body['user_name'])) throw paramError('body', '/user_name', 'is required from 2,000 yuan (200000 cents) on');
  checkReportInfos(body);
  // The amount is taken from the operation account when the bill is made, and given back if it fails or is cancelled.
  if (state.transferBalance !== undefined) {
    if (amount > state.transferBalance) throw new PlatformError(403, 'NOT_ENOUGH', `资金不足: ${amount} asked, ${state.transferBalance} in the operation account`);
    state.transferBalance -= amount;
  }
  const now = state.clock.date();
  const bill: TransferBill = {
    mch_id: mchid,
    out_bill_no: outBillNo,
    transfer_bill_no: ids.transferBill(now),
    appid: String(body['appid']),
    openid: String(body['openid']),
    transfer_amount: amount,
    transfer_remark: String(body['transfer_remark']),
    transfer_scene_id: String(body['transfer_scene_id']),
    ...(str(body['notify_url']) ? { notify_url: str(body['notify_url'])! } : {}),
    ...(str(body['user_recv_perception']) ? { user_recv_perception: str(body['user_recv_perception'])! } : {}),
    state: 'WAIT_USER_CONFIRM',
    package_info: randomBytes(48).toString('base64'),
    create_time: rfc3339(now),
    update_time: rfc3339(now),
    due_at: now.getTime() + CONFIRM_WINDOW_SECONDS * 1000,
    fingerprint,
  };
  state.transfers.set(key, bill);
  state.changed('transfer', key);
  scheduleTransfer(runtime, key, bill);
  return json(createdView(bill));
};

function findBill(call: Call): [string, TransferBill] {
  const mchid = call.runtime.identity.mchid;
  const { out_bill_no: outBillNo, transfer_bill_no: billNo } = call.vars;
  const found = outBillNo !== undefined
    ? [transferKey(mchid, outBillNo), call.runtime.state.transfers.get(transferKey(mchid, outBillNo))] as const
    : [...call.runtime.state.transfers].find(([, bill]) => bill.transfer_bill_no === billNo && bill.mch_id === mchid);
  if (!found?.[1]) throw billNotFound();
  return [found[0], found[1]];
}

const query: Handler = (call) => json(transferView(findBill(call)[1]));

const cancel: Handler = (call) => {
  const [key, bill] = findBill(call);
  if (bill.state !== 'CANCELING' && bill.state !== 'CANCELLED') {
    if (bill.state !== 'WAIT_USER_CONFIRM' && bill.state !== 'ACCEPTED' && bill.state !== 'PROCESSING') {
      throw invalidRequest(`单据状态不支持撤销: the bill is ${bill.state}; only a bill not yet confirmed can be cancelled`);
    }
    const now = call.runtime.state.clock.now();
    move(call.runtime, key, bill, 'CANCELING', undefined, now + CANCEL_SECONDS * 1000);
  }
  return json({ out_bill_no: bill.out_bill_no, transfer_bill_no: bill.transfer_bill_no, state: bill.state, update_time: bill.update_time });
};

/** Changes a bill's state (and what is due next), journals it; a final state is notified. */
function move(runtime: Runtime, key: string, bill: TransferBill, to: TransferBill['state'], failReason?: string, dueAt?: number): Promise<Delivery | undefined> {
  if ((to === 'FAIL' || to === 'CANCELLED') && runtime.state.transferBalance !== undefined) runtime.state.transferBalance += bill.transfer_amount;
  bill.state = to;
  if (failReason !== undefined) bill.fail_reason = failReason;
  bill.update_time = rfc3339(runtime.state.clock.date());
  if (dueAt === undefined) delete bill.due_at;
  else bill.due_at = dueAt;
  runtime.state.changed('transfer', key);
  runtime.state.flush();
  scheduleTransfer(runtime, key, bill);
  return FINAL.has(to) ? notifyFinished(runtime, bill) : Promise.resolve(undefined);
}

async function notifyFinished(runtime: Runtime, bill: TransferBill): Promise<Delivery | undefined> {
  if (!bill.notify_url) return undefined;
  const first = await runtime.deliveries.deliver({ url: bill.notify_url, input: transferNotification(bill), subject: { out_bill_no: bill.out_bill_no } });
  return structuredClone(first.delivery);
}

/** What a bill does by itself when its `due_at` comes (on the business clock); also after a restart. */
export function scheduleTransfer(runtime: Runtime, key: string, bill: TransferBill): void {
  const clockKey = `transfer|${key}`;
  if (bill.due_at === undefined || FINAL.has(bill.state)) {
    runtime.state.clock.cancel(clockKey);
    return;
  }
  runtime.state.clock.schedule(clockKey, bill.due_at, async () => {
    const current = runtime.state.transfers.get(key);
    if (current !== bill) return;
    if (bill.state === 'WAIT_USER_CONFIRM') await move(runtime, key, bill, 'FAIL', 'OVERDUE_CLOSE');
    else if (bill.state === 'TRANSFERING') await move(runtime, key, bill, bill.fail_reason ? 'FAIL' : 'SUCCESS');
    else if (bill.state === 'CANCELING') await move(runtime, key, bill, 'CANCELLED');
  });
}

export interface ConfirmOptions {
  /** true: the payee confirms receipt; false: declines. */
  accept: boolean;
  /** Declined, or accepted but to fail on the way (one of TRANSFER_FAIL_REASONS): the bill's `fail_reason`. */
  fail_reason?: string;
}

/** The payee's answer on the confirmation page (the console's Confirm / Decline, `POST /__sandbox/transfers/<no>/confirm`). */
export async function confirmTransfer(runtime: Runtime, outBillNo: string, options: ConfirmOptions): Promise<{ bill: Record<string, unknown>; delivery?: Delivery }> {
  const key = transferKey(runtime.identity.mchid, outBillNo);
  const bill = runtime.state.transfers.get(key);
  if (!bill) throw notFound(`No transfer bill ${outBillNo}`);
  if (bill.state !== 'WAIT_USER_CONFIRM') throw new InputError(`Transfer bill ${outBillNo} is ${bill.state}: only a WAIT_USER_CONFIRM bill can be confirmed or declined`, 409);
  if (options.fail_reason !== undefined && !TRANSFER_FAIL_REASONS.includes(options.fail_reason)) {
    throw new InputError(`fail_reason is one of the documented reasons: ${TRANSFER_FAIL_REASONS.join(', ')}`);
  }
  let delivery: Delivery | undefined;
  if (options.accept) {
    if (options.fail_reason) bill.fail_reason = options.fail_reason;
    await move(runtime, key, bill, 'TRANSFERING', undefined, runtime.state.clock.now() + TRANSFER_SECONDS * 1000);
  } else {
    delivery = await move(runtime, key, bill, 'FAIL', options.fail_reason ?? 'OTHER_FAIL_REASON_TYPE');
  }
  return { bill: transferView(bill), ...(delivery ? { delivery } : {}) };
}

/** Every bill, as its query shows it, with what the console needs (notify_url, package_info, when it moves on). */
export function transfersView(runtime: Runtime): Array<Record<string, unknown>> {
  return [...runtime.state.transfers.values()].map((bill) => ({
    ...transferView(bill), transfer_scene_id: bill.transfer_scene_id,
    ...(bill.notify_url ? { notify_url: bill.notify_url } : {}),
    ...(bill.state === 'WAIT_USER_CONFIRM' ? { package_info: bill.package_info } : {}),
    ...(bill.due_at !== undefined ? { due_at: rfc3339(new Date(bill.due_at)) } : {}),
  }));
}

export const transferBehaviours: Record<string, Handler> = {
  'post v3/fund-app/mch-transfer/transfer-bills': create,
  'get v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}': query,
  'get v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}': query,
  'post v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel': cancel,
};

export const transferRoutes: readonly ControlRoute[] = [
  {
    method: 'GET', path: 'transfers/balance', summary: 'the operation account for transfer bills: {"balance": cents | null (unlimited)}',
    handle: ({ parts }) => ({ balance: parts.runtime.state.transferBalance ?? null }),
  },
  {
    method: 'PUT', path: 'transfers/balance', summary: '{"balance": cents | null}: what transfer bills may take (NOT_ENOUGH past it)',
    handle: ({ parts, input }) => {
      const balance = input()['balance'];
      if (balance !== null && !(typeof balance === 'number' && Number.isSafeInteger(balance) && balance >= 0)) throw new InputError('balance is a whole number of cents, 0 or more, or null (unlimited)');
      parts.runtime.state.transferBalance = balance ?? undefined;
      return { balance };
    },
  },
  { method: 'GET', path: 'transfers', summary: 'the transfer bills', handle: ({ parts }) => transfersView(parts.runtime) },
  {
    method: 'GET', path: 'transfers/{out_bill_no}', summary: 'one transfer bill',
    handle: ({ parts, params }) => {
      const bill = parts.runtime.state.transfers.get(transferKey(parts.runtime.identity.mchid, params['out_bill_no']!));
      if (!bill) throw notFound(`No transfer bill ${params['out_bill_no']}`);
      return transferView(bill);
    },
  },
  {
    method: 'POST', path: 'transfers/{out_bill_no}/confirm', summary: '{"accept":true|false,"fail_reason":"..."}: the payee confirms or declines',
    handle: ({ parts, params, input }) => {
      const request = input();
      if (typeof request['accept'] !== 'boolean') throw new InputError('accept is true (confirm receipt) or false (decline)');
      const failReason = str(request['fail_reason']);
      return confirmTransfer(parts.runtime, requiredText(params['out_bill_no'], 'out_bill_no'), { accept: request['accept'], ...(failReason ? { fail_reason: failReason } : {}) });
    },
  },
];
