/* The sandbox console: reads the control API (/__sandbox/...), listens to its server-sent events, and
 * shows everything with textContent (request bodies are whatever clients sent: never parsed as HTML). */
/* global document, window, fetch, EventSource, URLSearchParams */
'use strict';

const API = '/__sandbox';
const state = {
  overview: null,
  requests: [],
  selected: null,
  orders: [],
  refunds: [],
  transfers: [],
  clock: null,
  notifications: [],
  coupons: [],
  faults: [],
  lastSeq: 0,
};

/** h('td', { class: 'x' }, 'text', node): an element, its attributes and children (strings become text). */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const response = await fetch(API + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const value = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(value.message || `HTTP ${response.status}`);
  return value;
}

function toast(text) {
  let element = document.querySelector('.toast');
  if (!element) document.body.append((element = h('div', { class: 'toast', role: 'status' })));
  element.textContent = text;
  element.classList.add('show');
  window.clearTimeout(toast.timer);
  toast.timer = window.setTimeout(() => element.classList.remove('show'), 2600);
}

async function act(what, work) {
  try {
    await work();
    toast(what);
  } catch (error) {
    toast(`${what} failed: ${error.message}`);
  }
}

const time = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0');
};
const clock = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour12: false });
};
const yuan = (cents, currency) => `${currency === 'CNY' || !currency ? '¥' : currency + ' '}${(Number(cents) / 100).toFixed(2)}`;
function inWords(ms) {
  if (ms <= 0) return 'now';
  if (ms < 1000) return `in ${Math.round(ms)} ms`;
  if (ms < 60000) return `in ${Math.round(ms / 1000)} s`;
  if (ms < 3600000) return `in ${Math.round(ms / 60000)} min`;
  return `in ${(ms / 3600000).toFixed(1)} h`;
}

const STATE_BADGE = {
  NOTPAY: 'warn', SUCCESS: 'ok', CLOSED: 'plain', REFUND: 'info', PROCESSING: 'warn', ABNORMAL: 'bad',
  delivered: 'ok', pending: 'warn', sending: 'info', failed: 'bad',
  WAIT_USER_CONFIRM: 'warn', TRANSFERING: 'info', FAIL: 'bad', CANCELING: 'warn', CANCELLED: 'plain',
};
const badge = (text, kind) => h('span', { class: `badge ${kind || STATE_BADGE[text] || 'plain'}` }, text);

/* ---------------- tabs ---------------- */

function showTab(name) {
  for (const button of document.querySelectorAll('.tabs button')) button.setAttribute('aria-selected', String(button.dataset.tab === name));
  for (const panel of document.querySelectorAll('.tab')) panel.hidden = panel.dataset.panel !== name;
  if (window.location.hash !== `#${name}`) window.history.replaceState(null, '', `#${name}`);
}

/* ---------------- requests ---------------- */

const RULES = {
  authorization: 'no usable Authorization header', scheme: 'another scheme', mchid: 'wrong merchant', serial: 'wrong serial',
  timestamp: 'stale timestamp', signature: 'bad signature', merchant: 'wrong merchant', sign: 'bad sign', sign_type: 'unknown sign_type',
};

function verdictBadge(record) {
  if (!record.check) return record.status === 404 ? badge('no such API', 'plain') : h('span', { class: 'muted' }, '—');
  if (record.check.ok) return badge(`${record.check.api === 'v2' ? 'APIv2 sign' : 'signature'} ok`, 'ok');
  return h('span', {}, badge(RULES[record.check.rule] || record.check.rule, 'bad'));
}

function statusBadge(record) {
  const kind = record.status >= 200 && record.status < 300 ? (record.code ? 'bad' : 'ok') : record.status === 0 ? 'plain' : 'bad';
  return badge(`${record.status || '—'}${record.code ? ' ' + record.code : ''}`, kind);
}

function renderRequests() {
  const body = $('requests').tBodies[0];
  const failedOnly = $('failed-only').checked;
  const shown = state.requests.filter((r) => !failedOnly || (r.check && !r.check.ok));
  body.replaceChildren(...shown.slice().reverse().map((record) => h('tr', {
    class: state.selected === record.seq ? 'selected' : undefined, 'data-seq': record.seq, onclick: () => selectRequest(record.seq),
  },
  h('td', { class: 'mono' }, time(record.time)),
  h('td', {}, record.method),
  h('td', { class: 'path' }, record.target, record.fault ? h('span', { class: 'reason' }, `fault: ${typeof record.fault === 'string' ? record.fault : 'delay ' + record.fault.delay + ' ms'}`) : null),
  h('td', {}, statusBadge(record)),
  h('td', {}, verdictBadge(record)))));
  $('requests-empty').hidden = shown.length > 0;
  $('count-requests').textContent = String(state.requests.length);
}

/** Pretty-printed JSON when it is JSON; XML one element a line; anything else as it is. */
function pretty(text) {
  if (!text) return '(empty)';
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2);
    } catch {
      return text;
    }
  }
  if (trimmed.startsWith('<xml')) return trimmed.replace(/></g, '>\n<').replace(/\n<\/xml>/, '\n</xml>').replace(/\n(<(?!\/xml))/g, '\n  $1');
  return text;
}

const headerText = (headers) => Object.entries(headers || {}).map(([name, value]) => `${name}: ${value}`).join('\n') || '(none)';

/** The expected signing string with each line feed shown. */
function signingString(text) {
  const pre = h('pre', { class: 'expected' });
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    pre.append(document.createTextNode(line));
    if (index < lines.length - 1) pre.append(h('span', { class: 'nl' }, '\\n'), document.createTextNode('\n'));
  });
  return pre;
}

function selectRequest(seq) {
  state.selected = seq;
  const record = state.requests.find((r) => r.seq === seq);
  const panel = $('request-detail');
  if (!record) {
    panel.replaceChildren(h('p', { class: 'muted' }, 'Select a request to see its check, its headers and bodies.'));
    return;
  }
  const check = record.check;
  const verdict = !check
    ? h('div', { class: 'verdict plain' }, record.status === 404 ? 'Not an API path: nothing was checked.' : 'Not checked.')
    : check.ok
      ? h('div', { class: 'verdict ok' }, h('strong', {}, check.api === 'v2' ? 'The APIv2 sign verifies' : 'The signature verifies'), check.api === 'v2' ? 'with the merchant’s APIv2 secret.' : 'with the merchant certificate, over the request as received.')
      : h('div', { class: 'verdict bad' }, h('strong', {}, `Refused: ${RULES[check.rule] || check.rule}`), check.reason);
  panel.replaceChildren(...[
    h('h3', {}, `${record.method} ${record.template || ''}`),
    h('p', { class: 'mono' }, record.target),
    h('p', { class: 'muted' }, `${new Date(record.time).toLocaleString()} · ${record.ms} ms · Request-ID ${record.id || '—'}`),
    h('h3', {}, 'Signature check'),
    verdict,
    check && check.expected ? [h('h3', {}, check.api === 'v2' ? 'The string the sandbox signed (the secret hidden)' : 'The string the sandbox verified'), signingString(check.expected)] : null,
    h('h3', {}, 'Request headers'), h('pre', {}, headerText(record.request && record.request.headers)),
    h('h3', {}, 'Request body'), h('pre', {}, pretty(record.request && record.request.body)),
    h('h3', {}, `Answer ${record.status}`), h('pre', {}, headerText(record.answer && record.answer.headers)),
    h('h3', {}, 'Answer body'), h('pre', {}, pretty(record.answer && record.answer.body)),
  ].flat().filter(Boolean));
  for (const row of $('requests').tBodies[0].rows) row.classList.toggle('selected', Number(row.dataset.seq) === seq);
}

function addRequest(record) {
  if (record.seq <= state.lastSeq) return;
  state.lastSeq = record.seq;
  state.requests.push(record);
  if (state.requests.length > 1000) state.requests.splice(0, state.requests.length - 1000);
  renderRequests();
}

/* ---------------- orders and refunds ---------------- */

function payerLink(order) {
  const query = new URLSearchParams({ out_trade_no: order.out_trade_no });
  if (order.sub_mchid) query.set('sub_mchid', order.sub_mchid);
  return `${API}/payer?${query}`;
}

function renderOrders() {
  const body = $('orders').tBodies[0];
  body.replaceChildren(...state.orders.slice().reverse().map((order) => {
    const open = order.trade_state === 'NOTPAY';
    const sub = order.sub_mchid ? { sub_mchid: order.sub_mchid } : {};
    const pay = order.code_url && open
      ? h('div', { class: 'qr' },
        h('a', { href: payerLink(order), target: '_blank', rel: 'noopener', title: 'Scan, or open the payer page' },
          h('img', { src: `${API}/qr.svg?text=${encodeURIComponent(order.code_url)}`, alt: `QR code of ${order.code_url}` })),
        h('div', {}, h('div', { class: 'mono muted' }, order.code_url), h('a', { href: payerLink(order), target: '_blank', rel: 'noopener', class: 'payer-link' }, 'Open the payer page')))
      : open ? h('a', { href: payerLink(order), target: '_blank', rel: 'noopener', class: 'payer-link' }, 'Open the payer page')
        : order.transaction_id ? h('span', { class: 'mono muted' }, order.transaction_id) : h('span', { class: 'muted' }, '—');
    return h('tr', { 'data-order': order.out_trade_no },
      h('td', {}, h('div', { class: 'mono' }, order.out_trade_no), h('div', { class: 'muted' }, order.description), order.sub_mchid ? h('div', { class: 'muted' }, `sub_mchid ${order.sub_mchid}`) : null),
      h('td', {}, order.trade_type),
      h('td', {}, yuan(order.amount.total, order.amount.currency), order.refunded ? h('div', { class: 'muted' }, `refunded ${yuan(order.refunded, order.amount.currency)}`) : null),
      h('td', {}, badge(order.trade_state)),
      h('td', { class: 'mono' }, clock(order.create_time)),
      h('td', {}, pay),
      h('td', {}, h('div', { class: 'actions' },
        open ? h('button', { type: 'button', class: 'primary', onclick: () => act(`Paid ${order.out_trade_no}`, () => call('POST', '/pay', { out_trade_no: order.out_trade_no, ...sub, notify: true, wait: false })) }, 'Pay as the user') : null,
        open ? h('button', { type: 'button', onclick: () => act(`Closed ${order.out_trade_no}`, () => call('POST', `/orders/${encodeURIComponent(order.out_trade_no)}/close`, sub)) }, 'Close') : null)));
  }));
  $('orders-empty').hidden = state.orders.length > 0;
  $('count-orders').textContent = String(state.orders.length);
}

function renderRefunds() {
  const body = $('refunds').tBodies[0];
  body.replaceChildren(...state.refunds.slice().reverse().map((refund) => {
    const settle = (status, what) => act(`${refund.out_refund_no} ${what}`, () => call('POST', `/refunds/${encodeURIComponent(refund.out_refund_no)}/settle`, { status, ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}), notify: true }));
    return h('tr', { 'data-refund': refund.out_refund_no },
      h('td', {}, h('div', { class: 'mono' }, refund.out_refund_no), h('div', { class: 'mono muted' }, refund.refund_id)),
      h('td', { class: 'mono' }, refund.out_trade_no),
      h('td', {}, `${yuan(refund.amount.refund, refund.amount.currency)} of ${yuan(refund.amount.total, refund.amount.currency)}`),
      h('td', {}, badge(refund.status)),
      h('td', { class: 'mono' }, clock(refund.create_time)),
      h('td', { class: 'mono muted' }, refund.notify_url || '—'),
      h('td', {}, refund.status === 'PROCESSING'
        ? h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', onclick: () => settle('SUCCESS', 'succeeded') }, 'Succeeds'),
          h('button', { type: 'button', class: 'danger', onclick: () => settle('ABNORMAL', 'failed') }, 'Fails'))
        : h('span', { class: 'muted' }, '—')));
  }));
  $('refunds-empty').hidden = state.refunds.length > 0;
  $('count-refunds').textContent = String(state.refunds.length);
}

/* ---------------- transfers and the clock ---------------- */

function renderTransfers() {
  const body = $('transfers').tBodies[0];
  body.replaceChildren(...state.transfers.slice().reverse().map((bill) => {
    const answer = (accept) => act(`${bill.out_bill_no} ${accept ? 'confirmed' : 'declined'}`, () => call('POST', `/transfers/${encodeURIComponent(bill.out_bill_no)}/confirm`, { accept }));
    return h('tr', { 'data-transfer': bill.out_bill_no },
      h('td', {}, h('div', { class: 'mono' }, bill.out_bill_no), h('div', { class: 'mono muted' }, bill.transfer_bill_no), h('div', { class: 'muted' }, bill.transfer_remark)),
      h('td', { class: 'mono' }, bill.openid, bill.state === 'WAIT_USER_CONFIRM'
        ? h('div', {}, h('a', { href: `${API}/payer?${new URLSearchParams({ out_bill_no: bill.out_bill_no })}`, target: '_blank', rel: 'noopener', class: 'payer-link' }, 'Open the payee page'))
        : null),
      h('td', {}, yuan(bill.transfer_amount)),
      h('td', {}, badge(bill.state), bill.fail_reason ? h('div', { class: 'muted' }, bill.fail_reason) : null),
      h('td', { class: 'mono' }, clock(bill.create_time)),
      h('td', { class: 'mono muted' }, bill.due_at ? `${bill.state === 'WAIT_USER_CONFIRM' ? 'closes' : 'ends'} ${new Date(bill.due_at).toLocaleString([], { hour12: false })}` : '—'),
      h('td', {}, bill.state === 'WAIT_USER_CONFIRM'
        ? h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', onclick: () => answer(true) }, 'Confirm'),
          h('button', { type: 'button', class: 'danger', onclick: () => answer(false) }, 'Decline'))
        : h('span', { class: 'muted' }, '—')));
  }));
  $('transfers-empty').hidden = state.transfers.length > 0;
  $('count-transfers').textContent = String(state.transfers.length);
}

function renderClock() {
  const view = state.clock;
  if (!view) return;
  const ahead = view.offset_seconds ? ` (+${inWords(view.offset_seconds * 1000).replace(/^in /, '')})` : ' (real time)';
  const now = new Date(Date.now() + view.offset_seconds * 1000);
  $('clock-now').textContent = `${now.toLocaleString([], { hour12: false })}${ahead}`;
}

/* ---------------- notifications ---------------- */

function renderNotifications() {
  const list = $('notifications');
  list.replaceChildren(...state.notifications.slice().reverse().map((delivery) => {
    const next = delivery.state === 'pending' && delivery.next_at ? `next attempt ${inWords(Date.parse(delivery.next_at) - Date.now())} (${time(delivery.next_at)})` : '';
    const subject = delivery.subject || {};
    const about = subject.out_refund_no ? `refund ${subject.out_refund_no}` : subject.out_bill_no ? `transfer ${subject.out_bill_no}`
      : subject.combine_out_trade_no ? `combined order ${subject.combine_out_trade_no}` : subject.out_order_no ? `profit sharing ${subject.out_order_no}`
        : subject.out_trade_no ? `order ${subject.out_trade_no}` : '';
    return h('article', { class: 'delivery', 'data-delivery': delivery.id, 'data-state': delivery.state },
      h('header', {},
        badge(delivery.state),
        h('strong', {}, delivery.event_type),
        about ? h('span', { class: 'muted' }, about) : null,
        h('span', { class: 'url grow' }, `→ ${delivery.url}`),
        h('span', { class: 'muted' }, `${delivery.attempts.length} attempt${delivery.attempts.length === 1 ? '' : 's'}${delivery.retries ? '' : ' (one-shot)'}${delivery.fault ? `, ${delivery.fault}` : ''}`),
        next ? h('span', { class: 'badge warn' }, next) : null,
        delivery.state === 'pending' || delivery.state === 'failed'
          ? h('button', { type: 'button', onclick: () => act('Sent again', () => call('POST', `/notifications/${encodeURIComponent(delivery.id)}/retry`)) }, 'Retry now') : null),
      delivery.attempts.length ? h('table', { class: 'attempts' },
        h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Sent'), h('th', {}, 'Merchant answered'), h('th', {}, 'Time'), h('th', {}, 'Answer'))),
        h('tbody', {}, delivery.attempts.map((attempt) => h('tr', {},
          h('td', {}, String(attempt.n)),
          h('td', { class: 'mono' }, time(attempt.at)),
          h('td', {}, attempt.status !== undefined ? badge(String(attempt.status), attempt.ok ? 'ok' : 'bad') : badge('no answer', 'bad')),
          h('td', {}, `${attempt.ms} ms`),
          h('td', { class: 'answer' }, attempt.error || attempt.body || '(empty)'))))) : h('p', { class: 'muted' }, 'Sending…'));
  }));
  $('notifications-empty').hidden = state.notifications.length > 0;
  $('count-notifications').textContent = String(state.notifications.length);
}

/* ---------------- coupons, faults, identity ---------------- */

function renderCoupons() {
  const body = $('coupons').tBodies[0];
  body.replaceChildren(...state.coupons.map((stock) => h('tr', {},
    h('td', { class: 'mono' }, stock.product_coupon_id),
    h('td', { class: 'mono' }, stock.stock_id),
    h('td', {}, String(stock.codes.length)),
    h('td', {}, String(stock.uploads)),
    h('td', { class: 'codes' }, stock.codes.slice(0, 60).join(' '), stock.codes.length > 60 ? ` … and ${stock.codes.length - 60} more` : ''))));
  $('coupons-empty').hidden = state.coupons.length > 0;
  $('count-coupons').textContent = String(state.coupons.length);
}

const faultName = (fault) => (typeof fault === 'string' ? fault : `delay ${fault.delay} ms`);

function renderFaults() {
  const body = $('faults').tBodies[0];
  body.replaceChildren(...state.faults.map((pending) => h('tr', {},
    h('td', {}, badge(faultName(pending.fault), 'bad')),
    h('td', {}, String(pending.remaining)),
    h('td', { class: 'mono' }, pending.match === undefined ? 'any path' : String(pending.match)))));
  $('faults-empty').hidden = state.faults.length > 0;
  $('count-faults').textContent = String(state.faults.length);
}

function renderIdentity() {
  const o = state.overview;
  if (!o) return;
  $('where').textContent = `${o.baseURL} · merchant ${o.mchid} · ${o.endpoints} endpoints · state ${o.stateFolder ? 'kept in ' + o.stateFolder : 'in memory'}`;
  const rows = [
    ['Base URL', o.baseURL], ['mchid', o.mchid], ['Merchant certificate serial', o.config.serial],
    ['Platform certificate serial', o.platform.serial], ['Platform public key id', o.platform.publicKeyId],
    ['Notification retries', o.delivery.timeScale === 1 ? 'the platform’s intervals' : `${o.delivery.timeScale} × the platform’s intervals`],
  ];
  $('identity').replaceChildren(...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
  const files = [
    ['sandbox.json', 'the settings Builder.factory takes (key files as file:// paths on this machine)'],
    ['sandbox.inline.json', 'the same with the keys written in, for another machine'],
    ['apiclient_key.pem', 'the merchant’s API private key'],
    ['apiclient_cert.pem', 'the merchant’s API certificate'],
    [`wechatpay_${o.platform.serial}.pem`, 'the platform certificate'],
    ['pub_key.pem', `the platform public key (${o.platform.publicKeyId})`],
  ];
  $('downloads').replaceChildren(...files.map(([name, what]) => h('li', {}, h('a', { href: `${API}/files/${encodeURIComponent(name)}`, download: name }, name), ` — ${what}`)));
  $('usage').textContent = [
    "import { readFileSync } from 'node:fs';",
    "import { Builder } from 'wechatpay-chain';",
    '',
    "const client = Builder.factory(JSON.parse(readFileSync('sandbox.json', 'utf8')));",
    "const { data } = await client.v3.pay.transactions.native.post({ json: {",
    `  appid: 'wxd678efh567hg6787', mchid: '${o.mchid}', description: 'Coffee', out_trade_no: 'T1001',`,
    "  notify_url: 'http://127.0.0.1:3000/notify', amount: { total: 100, currency: 'CNY' },",
    '} });',
    '// data.code_url: the order shows up under Orders with its QR code',
  ].join('\n');
  $('schedule').textContent = `Failed deliveries are retried after 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h${o.delivery.timeScale === 1 ? '' : `, times ${o.delivery.timeScale}`}; the merchant has ${o.delivery.timeout} ms to answer.`;
  $('sign-with').value = o.settings.signWith;
  $('refund-mode').value = o.settings.refunds;
}

/* ---------------- loading and live updates ---------------- */

const loaders = {
  orders: async () => { state.orders = await call('GET', '/orders?detail=1'); renderOrders(); },
  refunds: async () => { state.refunds = await call('GET', '/refunds'); renderRefunds(); },
  transfers: async () => { state.transfers = await call('GET', '/transfers'); renderTransfers(); },
  clock: async () => { state.clock = await call('GET', '/clock'); renderClock(); },
  notifications: async () => { state.notifications = await call('GET', '/notifications'); renderNotifications(); },
  coupons: async () => { state.coupons = await call('GET', '/coupons'); renderCoupons(); },
  faults: async () => { state.faults = await call('GET', '/faults'); renderFaults(); },
  overview: async () => { state.overview = await call('GET', ''); renderIdentity(); },
  requests: async () => { for (const record of await call('GET', `/requests?after=${state.lastSeq}`)) addRequest(record); },
};

const due = new Set();
let flushTimer = 0;
/** Reloads the named lists soon, once however many events asked for them. */
function reload(...names) {
  for (const name of names) due.add(name);
  if (flushTimer) return;
  flushTimer = window.setTimeout(() => {
    flushTimer = 0;
    const names = [...due];
    due.clear();
    for (const name of names) loaders[name]().catch(() => undefined);
  }, 60);
}

const KIND_TO_LIST = {
  order: ['orders'], refund: ['refunds', 'orders'], delivery: ['notifications'], coupon: ['coupons'],
  transfer: ['transfers'], clock: ['clock', 'transfers'], combine: ['orders'],
};

function connect() {
  const live = $('live');
  const source = new EventSource(`${API}/events`);
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
    reload('requests', 'orders', 'refunds', 'transfers', 'clock', 'notifications', 'coupons', 'faults');
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.classList.remove('on');
  });
  source.addEventListener('request', (event) => addRequest(JSON.parse(event.data)));
  source.addEventListener('state', (event) => {
    const change = JSON.parse(event.data);
    if (change.kind === 'reset') {
      state.requests = [];
      state.lastSeq = 0;
      state.selected = null;
      renderRequests();
      selectRequest(null);
      reload('orders', 'refunds', 'transfers', 'clock', 'notifications', 'coupons', 'faults');
    } else {
      reload(...(KIND_TO_LIST[change.kind] || []));
    }
  });
  source.addEventListener('faults', () => reload('faults'));
  source.addEventListener('settings', () => reload('overview'));
}

function wire() {
  for (const button of document.querySelectorAll('.tabs button')) button.addEventListener('click', () => showTab(button.dataset.tab));
  showTab((window.location.hash || '#requests').slice(1));
  $('failed-only').addEventListener('change', renderRequests);
  $('clear-requests').addEventListener('click', () => act('Log cleared', async () => {
    await call('DELETE', '/requests');
    state.requests = [];
    state.selected = null;
    renderRequests();
    selectRequest(null);
  }));
  $('sign-with').addEventListener('change', (event) => act('Signing key changed', () => call('PUT', '/settings', { signWith: event.target.value })));
  $('refund-mode').addEventListener('change', (event) => act('Refund mode changed', () => call('PUT', '/settings', { refunds: event.target.value })));
  $('reset').addEventListener('click', () => {
    if (window.confirm('Forget every order, refund, coupon code, notification, fault and the request log?')) act('Reset', () => call('POST', '/reset'));
  });
  for (const button of document.querySelectorAll('[data-advance]')) {
    button.addEventListener('click', () => act(`Clock moved on ${button.textContent.replace('+', '')}`, async () => {
      state.clock = await call('POST', '/clock', { advance: Number(button.dataset.advance) });
      renderClock();
    }));
  }
  $('clear-faults').addEventListener('click', () => act('Faults cleared', () => call('DELETE', '/faults')));
  $('fault-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new window.FormData(event.target);
    const name = form.get('fault');
    const fault = name === 'delay' ? { delay: Number(form.get('delay')) } : name;
    const match = String(form.get('match') || '').trim();
    act('Fault added', () => call('POST', '/faults', { fault, count: Number(form.get('count')) || 1, ...(match ? { match } : {}) }));
  });
  // Relative times ("next attempt in 12 s") move on.
  window.setInterval(() => {
    if (state.notifications.some((d) => d.state === 'pending')) renderNotifications();
    renderClock();
  }, 1000);
}

async function start() {
  wire();
  await Promise.all(Object.values(loaders).map((load) => load().catch(() => undefined)));
  connect();
}

start();
