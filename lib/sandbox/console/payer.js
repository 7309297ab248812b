/* The payer's page: a simulated WeChat user confirms or cancels an order's payment. Confirming pays it
 * (SUCCESS) and the platform notifies the order's notify_url, with retries; cancelling leaves it NOTPAY.
 * With ?out_bill_no=..., the payee's page of a transfer bill (the page package_info opens): confirming
 * receipt moves it to TRANSFERING (then SUCCESS), declining ends it FAIL; either end is notified. */
/* global document, window, fetch, URLSearchParams */
'use strict';

const API = '/__sandbox';
const root = document.getElementById('payer');

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

async function call(method, path, body) {
  const response = await fetch(API + path, {
    method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const value = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(value.message || `HTTP ${response.status}`);
  return value;
}

const params = new URLSearchParams(window.location.search);

async function findOrder() {
  const outTradeNo = params.get('out_trade_no');
  const sub = params.get('sub_mchid');
  if (outTradeNo) return call('GET', `/orders/${encodeURIComponent(outTradeNo)}${sub ? `?sub_mchid=${encodeURIComponent(sub)}` : ''}`);
  const codeUrl = params.get('code_url');
  const found = codeUrl ? (await call('GET', '/orders?detail=1')).find((order) => order.code_url === codeUrl) : undefined;
  if (!found) throw new Error(codeUrl ? `No order has the code_url ${codeUrl}` : 'Name the order: ?out_trade_no=... or ?code_url=...');
  return found;
}

const amount = (order) => h('div', { class: 'amount' }, h('small', {}, order.amount.currency === 'CNY' ? '¥' : order.amount.currency), (order.amount.total / 100).toFixed(2));

function details(order) {
  return h('dl', {},
    h('dt', {}, 'Merchant'), h('dd', {}, order.sub_mchid ? `${order.sp_mchid} / ${order.sub_mchid}` : order.mchid),
    h('dt', {}, 'Order'), h('dd', {}, order.out_trade_no),
    h('dt', {}, 'Type'), h('dd', {}, order.trade_type));
}

function finished(order, result, note) {
  root.replaceChildren(
    h('div', { class: `result ${result.ok ? 'ok' : 'bad'}`, id: 'result' }, result.text),
    amount(order),
    h('div', { class: 'what' }, order.description),
    details(order),
    order.transaction_id ? h('p', { class: 'note' }, `transaction_id ${order.transaction_id}`) : null,
    h('p', { class: 'note' }, note),
  );
}

async function show() {
  let order;
  try {
    order = await findOrder();
  } catch (error) {
    root.replaceChildren(h('div', { class: 'result bad' }, 'No such order'), h('p', { class: 'note' }, error.message));
    return;
  }
  if (order.trade_state !== 'NOTPAY') {
    finished(order, { ok: order.trade_state === 'SUCCESS', text: order.trade_state === 'SUCCESS' ? 'Already paid' : `This order is ${order.trade_state}` }, order.trade_state_desc || '');
    return;
  }
  const confirm = h('button', { type: 'button', class: 'primary', id: 'confirm', onclick: async () => {
    confirm.disabled = true;
    try {
      const { transaction } = await call('POST', '/pay', {
        out_trade_no: order.out_trade_no, ...(order.sub_mchid ? { sub_mchid: order.sub_mchid } : {}), notify: true, wait: false,
      });
      finished(transaction, { ok: true, text: 'Payment successful' }, `The platform notifies ${transaction.notify_url} (TRANSACTION.SUCCESS), retrying until the merchant answers 2xx.`);
    } catch (error) {
      confirm.disabled = false;
      root.append(h('p', { class: 'note' }, error.message));
    }
  } }, 'Confirm payment');
  const cancel = h('button', { type: 'button', id: 'cancel', onclick: () => finished(order, { ok: false, text: 'Payment cancelled' }, 'The order stays NOTPAY: the merchant can query it, close it, or the payer can come back.') }, 'Cancel');
  root.replaceChildren(
    h('div', { class: 'merchant' }, `Pay merchant ${order.sub_mchid || order.mchid}`),
    amount(order),
    h('div', { class: 'what' }, order.description),
    details(order),
    confirm,
    cancel,
  );
}

/* ---------------- a transfer bill: the payee confirms receipt or declines ---------------- */

const transferAmount = (bill) => h('div', { class: 'amount' }, h('small', {}, '¥'), (bill.transfer_amount / 100).toFixed(2));

function transferDetails(bill) {
  return h('dl', {},
    h('dt', {}, 'Merchant'), h('dd', {}, bill.mch_id),
    h('dt', {}, 'Bill'), h('dd', {}, bill.out_bill_no),
    h('dt', {}, 'Payee'), h('dd', {}, bill.openid));
}

function transferShown(bill, result, note) {
  root.replaceChildren(
    h('div', { class: `result ${result.ok ? 'ok' : 'bad'}`, id: 'result' }, result.text),
    transferAmount(bill),
    h('div', { class: 'what' }, bill.transfer_remark),
    transferDetails(bill),
    h('p', { class: 'note' }, `transfer_bill_no ${bill.transfer_bill_no}`),
    h('p', { class: 'note' }, note),
  );
}

async function showTransfer(outBillNo) {
  let bill;
  try {
    bill = await call('GET', `/transfers/${encodeURIComponent(outBillNo)}`);
  } catch (error) {
    root.replaceChildren(h('div', { class: 'result bad' }, 'No such transfer'), h('p', { class: 'note' }, error.message));
    return;
  }
  if (bill.state !== 'WAIT_USER_CONFIRM') {
    transferShown(bill, { ok: bill.state === 'SUCCESS' || bill.state === 'TRANSFERING', text: `This transfer is ${bill.state}` }, bill.fail_reason || '');
    return;
  }
  const answer = (accept) => async () => {
    (accept ? confirm : decline).disabled = true;
    try {
      const { bill: now } = await call('POST', `/transfers/${encodeURIComponent(outBillNo)}/confirm`, { accept });
      transferShown(now, accept ? { ok: true, text: 'Receipt confirmed' } : { ok: false, text: 'Transfer declined' }, accept
        ? 'The transfer is on its way (TRANSFERING, then SUCCESS); the platform notifies the merchant (MCHTRANSFER.BILL.FINISHED).'
        : `The bill ends FAIL (${now.fail_reason}); the platform notifies the merchant (MCHTRANSFER.BILL.FINISHED).`);
    } catch (error) {
      confirm.disabled = false;
      decline.disabled = false;
      root.append(h('p', { class: 'note' }, error.message));
    }
  };
  const confirm = h('button', { type: 'button', class: 'primary', id: 'confirm', onclick: answer(true) }, 'Confirm receipt');
  const decline = h('button', { type: 'button', id: 'cancel', onclick: answer(false) }, 'Decline');
  root.replaceChildren(
    h('div', { class: 'merchant' }, `Merchant ${bill.mch_id} transfers to you`),
    transferAmount(bill),
    h('div', { class: 'what' }, bill.transfer_remark),
    transferDetails(bill),
    confirm,
    decline,
  );
}

if (params.get('out_bill_no')) showTransfer(params.get('out_bill_no'));
else show();
