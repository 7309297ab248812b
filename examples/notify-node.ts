/**
 * Receive notifications with `client.notification.handler` on node:http: one object verifies the raw body,
 * decrypts the resource, runs the handler of its event type once per notification id, and answers as the
 * platform expects (2xx with an empty body; a FAIL with a 4xx/5xx the platform retries). On the sandbox,
 * the example has the payer pay an order whose notify_url is this server; on the live API it listens (give
 * the platform a public URL that reaches it) until Ctrl-C. The other notify-*.ts examples mount the same
 * handler in Express, Koa, Fastify, Hono and a Next.js-style route handler.
 *
 *   npx tsx examples/notify-node.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client, NotificationHandler } from 'wechatpay-chain';

/** A running server: where the platform reaches it, and how to stop it. */
export interface Served {
  url: string;
  close(): Promise<void>;
}

/** The handlers of a shop: typed by event type (`event.resource` is the order for TRANSACTION.SUCCESS). */
export function shopHandler(client: Client, log: (line: string) => void = console.log): NotificationHandler {
  return client.notification.handler({
    'TRANSACTION.SUCCESS': async (event) => {
      // Throwing here answers 5xx: the platform delivers the notification again later.
      log(`paid: ${event.resource.out_trade_no} ${event.resource.amount?.total} fen (notification ${event.id})`);
    },
    'REFUND.*': (event) => {
      log(`refund ${event.resource['out_refund_no']}: ${event.event_type}`);
    },
  }, {
    onUnhandled: (event) => log(`acknowledged, no handler: ${event.event_type}`),
  });
}

// #region node
/** node:http: the handler reads the request and writes the reply itself. */
export async function serve(handler: NotificationHandler, port = 0): Promise<Served> {
  const server = createServer((req, res) => {
    if (req.url === '/notify') void handler.node(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
// #endregion

/** The walk-through every notify-*.ts example runs: on the sandbox, an order paid and notified, a forged copy refused. */
export function demo(name: string, start: (handler: NotificationHandler, port?: number) => Promise<Served>): void {
  void import('./support.js').then(({ run, outTradeNo }) => run(async ({ client, mchid, appid, sandbox }) => {
    const served = await start(shopHandler(client), Number(process.env['WECHATPAY_NOTIFY_PORT'] ?? 0));
    console.log(`${name}: notifications at ${served.url}`);
    try {
      if (!sandbox) {
        await new Promise((resolve) => process.once('SIGINT', resolve));
        return;
      }
      const tradeNo = outTradeNo('NOTIFY');
      await client.v3.pay.transactions.native.post({
        json: { appid, mchid, description: 'Notification example', out_trade_no: tradeNo, notify_url: served.url, amount: { total: 88 } },
      });
      const { notification } = await sandbox.pay(tradeNo, { notify: true });
      console.log(`the sandbox's notification was answered HTTP ${notification?.status} ${JSON.stringify(notification?.body)}`);
      const forged = await sandbox.notify(served.url, { order: tradeNo }, { fault: 'bad-signature' });
      console.log(`a copy with a bad signature: HTTP ${forged.status} ${forged.body}`);
    } finally {
      await served.close();
    }
  }));
}

if (process.argv[1]?.endsWith('notify-node.ts')) demo('node:http', serve);
