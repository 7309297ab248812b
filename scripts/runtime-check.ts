/**
 * The demo's flow under whichever runtime runs this file, with the package imported by its name (the build:
 * run `npm run build` first):
 *
 *   npx tsx scripts/runtime-check.ts                (or: node .ci/runtime.mjs node)
 *   bun scripts/runtime-check.ts                    (or: node .ci/runtime.mjs bun, which finds Bun's binary)
 *   deno run -A scripts/runtime-check.ts            (or: node .ci/runtime.mjs deno)
 *
 * The embedded sandbox; the seed endpoint in its six call styles; a JSAPI order, its front-end parameters, the
 * payment with a notification received by a node:http server and verified, the queries and a refund; an APIv2
 * call (XML, MD5 sign); a sensitive field encrypted and decrypted; a forged answer refused; the CommonJS build
 * loaded beside the ES module one, an error of one an instance of the other's class. One line per check, then
 * `runtime-check (<runtime> <version>): N passed, N failed`; the exit code is 1 if any failed.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import process from 'node:process';
import { Builder, Notification, VerificationError, type Client, type NotificationHandler } from 'wechatpay-chain';
import { startSandbox, type Sandbox } from 'wechatpay-chain/sandbox';

const versions = process.versions as Record<string, string | undefined>;
const runtime = versions['bun'] ? `bun ${versions['bun']}` : versions['deno'] ? `deno ${versions['deno']}` : `node ${versions['node']}`;
const results: boolean[] = [];

async function check(name: string, body: () => Promise<unknown>): Promise<void> {
  try {
    const note = await body();
    results.push(true);
    console.log(`ok - ${name}${typeof note === 'string' ? `: ${note}` : ''}`);
  } catch (error) {
    results.push(false);
    console.log(`not ok - ${name}: ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message}` : String(error)}`);
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const SEED = 'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes';

async function seedSixWays(client: Client): Promise<string> {
  const opts = (n: number) => ({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: `34657_20250101_12345${n}`, code_list: [`vCode_${runtime}_${n}`] },
  });
  const chain = client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes;
  const answers = [
    await chain.post(opts(1)),
    await chain.postAsync(opts(2)).then((answer) => answer),
    await client.chain(SEED).post(opts(3)),
    await client.chain(SEED).postAsync(opts(4)).then((answer) => answer),
    await client[SEED].post(opts(5)),
    await client[SEED].postAsync(opts(6)).then((answer) => answer),
  ];
  const counts = answers.map(({ data }) => data.total_count);
  assert(counts.every((count) => count === 1), `total_count ${JSON.stringify(counts)}`);
  return `6 verified answers`;
}

async function payment(client: Client, sandbox: Sandbox): Promise<string> {
  const { mchid } = sandbox.config;
  const outTradeNo = `RT${Date.now()}`;
  let received: string | undefined;
  const server = createServer((req, res) => {
    void Notification.fromNodeRequest(req)
      .then((raw) => {
        const event = client.notification.parse(raw);
        if (Notification.isEvent(event, 'TRANSACTION.SUCCESS')) received = `${event.event_type} ${event.resource.out_trade_no}`;
        return Notification.success();
      })
      .catch((error: Error) => Notification.failure(error.message.slice(0, 100), 401))
      .then((reply) => res.writeHead(reply.status, reply.headers).end(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    const order = await client.v3.pay.transactions.jsapi.post({
      json: {
        appid: 'wxd678efh567hg6787', mchid, description: `runtime check on ${runtime}`, out_trade_no: outTradeNo,
        notify_url: notifyUrl, amount: { total: 100, currency: 'CNY' }, payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      },
    });
    const params = client.payParams.jsapi('wxd678efh567hg6787', order.data.prepay_id);
    assert(params.package === `prepay_id=${order.data.prepay_id}` && params.paySign.length > 300, 'pay params');
    const { notification } = await sandbox.pay(outTradeNo, { notify: true });
    assert(notification?.status === 204, `the receiver answered the notification ${notification?.status}`);
    assert(received === `TRANSACTION.SUCCESS ${outTradeNo}`, `the receiver parsed ${received}`);
    const paid = await client.v3.pay.transactions.outTradeNo[outTradeNo]!.get({ query: { mchid } });
    assert(paid.data.trade_state === 'SUCCESS', `trade_state ${paid.data.trade_state}`);
    const byId = await client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: paid.data.transaction_id!, query: { mchid } });
    assert(byId.data.out_trade_no === outTradeNo, 'query by transaction_id');
    const outRefundNo = `R${outTradeNo}`;
    await client.v3.refund.domestic.refunds.post({
      json: { out_trade_no: outTradeNo, out_refund_no: outRefundNo, reason: 'runtime check', amount: { refund: 30, total: 100, currency: 'CNY' } },
    });
    const refund = await client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: outRefundNo });
    assert(refund.data.amount.refund === 30, `refund ${refund.data.amount.refund}`);
    return `order ${outTradeNo} paid, notified (verified, decrypted), queried twice, refunded 30 of 100`;
  } finally {
    server.close();
  }
}

interface RuntimeServer {
  port: number;
  stop(): Promise<void>;
}
type FetchHandler = (request: Request) => Promise<Response>;
const runtimes = globalThis as {
  Bun?: { serve(options: { port: number; hostname: string; fetch: FetchHandler }): { port: number; stop(): void } };
  Deno?: { serve(options: { port: number; hostname: string; onListen(): void }, handler: FetchHandler): { addr: { port: number }; shutdown(): Promise<void> } };
};

/** The runtime's own server (Bun.serve, Deno.serve) in front of `handler.fetch`; node:http and `handler.node` on node. */
async function serveHandler(handler: NotificationHandler): Promise<RuntimeServer & { via: string }> {
  if (runtimes.Bun) {
    const server = runtimes.Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => handler.fetch(request) });
    return { via: 'Bun.serve + handler.fetch', port: server.port, stop: async () => server.stop() };
  }
  if (runtimes.Deno) {
    const server = runtimes.Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: () => undefined }, (request) => handler.fetch(request));
    return { via: 'Deno.serve + handler.fetch', port: server.addr.port, stop: () => server.shutdown() };
  }
  const server = createServer((req, res) => void handler.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { via: 'node:http + handler.node', port: (server.address() as AddressInfo).port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** client.notification.handler behind the runtime's server: a payment notification runs its handler once and gets an empty 2xx. */
async function notificationHandler(client: Client, sandbox: Sandbox): Promise<string> {
  const paid: string[] = [];
  const handler = client.notification.handler({ 'TRANSACTION.SUCCESS': (event) => {
    paid.push(event.resource.out_trade_no);
  } });
  const server = await serveHandler(handler);
  try {
    const outTradeNo = `RTH${Date.now()}`;
    const notifyUrl = `http://127.0.0.1:${server.port}/notify`;
    await client.v3.pay.transactions.native.post({
      json: { appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'handler', out_trade_no: outTradeNo, notify_url: notifyUrl, amount: { total: 1 } },
    });
    const { notification } = await sandbox.pay(outTradeNo, { notify: true });
    assert(notification?.status === 204 && notification.body === '', `answered ${notification?.status} ${JSON.stringify(notification?.body)}`);
    const forged = await sandbox.notify(notifyUrl, { order: outTradeNo }, { fault: 'bad-signature' });
    assert(forged.status === 401, `a forged copy answered ${forged.status}`);
    assert(paid.join() === outTradeNo, `the handler ran for ${JSON.stringify(paid)}`);
    return `${server.via}: 204, a forged copy 401`;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(`runtime-check on ${runtime}: wechatpay-chain from ${import.meta.resolve('wechatpay-chain')}`);
  const sandbox = await startSandbox();
  const client = Builder.factory(sandbox.config);
  try {
    await check('the seed endpoint in six call styles', () => seedSixWays(client));
    await check('an order: pay params, payment, notification, queries, refund', () => payment(client, sandbox));
    await check('the notification handler behind the runtime\'s own server', () => notificationHandler(client, sandbox));

    await check('an APIv2 call (XML, MD5 sign both ways)', async () => {
      const { data } = await client.v2.pay.orderquery.post({
        xml: { appid: 'wxd678efh567hg6787', mch_id: sandbox.config.mchid, transaction_id: '1009660380201506130728806387', out_trade_no: '1217752501201407033233368018' },
      });
      assert(data['return_code'] === 'SUCCESS' && data['result_code'] === 'SUCCESS', JSON.stringify(data));
    });

    await check('a sensitive field: encrypted for the platform, sent with its serial', async () => {
      const name = client.encrypt('张三');
      const { status, config } = await client.v3.profitsharing.receivers.add.post({
        json: { appid: 'wxd678efh567hg6787', type: 'PERSONAL_OPENID', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', name, relation_type: 'PARTNER' },
      });
      assert(status === 200 && config.headers['Wechatpay-Serial'], `HTTP ${status}, Wechatpay-Serial ${String(config.headers['Wechatpay-Serial'])}`);
    });

    let forged: unknown;
    await check('a forged answer is refused', async () => {
      sandbox.faults.inject('bad-signature', 1);
      forged = await client.v3.certificates.get().then(() => undefined, (error: unknown) => error);
      assert(forged instanceof VerificationError, `got ${String(forged)}`);
      return forged.code;
    });

    await check('the CommonJS build loads beside the ES module one; their errors are one class', async () => {
      const cjs = createRequire(import.meta.url)('wechatpay-chain') as typeof import('wechatpay-chain');
      assert(cjs.Builder !== Builder, 'require() returned the ES module build');
      const fromCjs = new cjs.VerificationError('EV3_RES_HEADERS_INCOMPLETE', 'test');
      assert(fromCjs instanceof VerificationError && forged instanceof cjs.VerificationError, 'instanceof across the builds');
      assert(cjs.Formatter.nonce().length === 32, 'Formatter.nonce');
    });
  } finally {
    await sandbox.close();
  }
  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  console.log(`runtime-check (${runtime}): ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
