/**
 * Logging with hooks: every call's request id, status and duration, and every error's code, without
 * touching the calls themselves. A trace id header is added to each request (sent, not signed). Each hook
 * prints a line: `>` as a request leaves, `<` for an answer, `!` for an error.
 *
 *   npx tsx examples/logging.ts
 */
import { randomUUID } from 'node:crypto';
import { ApiError, type Hooks } from 'wechatpay-chain';
import { outTradeNo, run } from './support.js';

const hooks: Hooks = {
  beforeRequest: (request) => {
    const traceId = randomUUID();
    request.headers.set('X-Trace-Id', traceId);
    console.log(`> ${request.method} ${request.template} X-Trace-Id=${traceId}`);
  },
  afterResponse: (response, request) => {
    const ms = (performance.now() - request.startedAt).toFixed(1);
    console.log(`< ${request.method} ${request.template} -> ${response.status} request-id=${String(response.headers['request-id'] ?? '-')} ${ms} ms`);
  },
  beforeError: (error, request) => {
    const ms = request ? (performance.now() - request.startedAt).toFixed(1) : '-';
    const status = error instanceof ApiError ? ` ${error.status} request-id=${error.requestId ?? '-'}` : '';
    console.log(`! ${request?.method ?? ''} ${request?.template ?? '(not sent)'} failed: ${error.code}${status} ${ms} ms`);
  },
};

run(async ({ client, mchid, appid }) => {
  const tradeNo = outTradeNo('LOG');
  await client.v3.pay.transactions.native.post({
    json: { appid, mchid, description: 'Logging example', out_trade_no: tradeNo, notify_url: 'https://example.com/notify', amount: { total: 1 } },
  });
  await client.v3.pay.transactions.outTradeNo[tradeNo]!.get({ query: { mchid } });
  // An order that does not exist: the platform answers 404, the beforeError hook logs it.
  await client.v3.pay.transactions.outTradeNo.NOPE404!.get({ query: { mchid } }).catch(() => undefined);
}, { hooks });
