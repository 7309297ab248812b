/**
 * Receive a payment notification: a node:http handler keeps the raw body, verifies and decrypts it with
 * `client.notification.parse`, and answers 204 (or a FAIL the platform retries). On the sandbox, the
 * example creates an order whose notify_url is this handler and has the payer pay it: the sandbox then
 * sends the signed, encrypted TRANSACTION.SUCCESS. On the live API it just listens (give the platform a
 * public URL that reaches it, e.g. through a tunnel) until Ctrl-C.
 *
 *   npx tsx examples/parse-notification.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Notification } from 'wechatpay-chain';
import { outTradeNo, run } from './support.js';

run(async ({ client, mchid, appid, sandbox }) => {
  let received: (value: unknown) => void = () => undefined;
  const done = new Promise((resolve) => { received = resolve; });

  const server = createServer((req, res) => {
    void Notification.fromNodeRequest(req)
      .then((raw) => {
        const event = client.notification.parse<{ out_trade_no: string; trade_state: string; amount: { total: number } }>(raw);
        console.log(`${event.event_type} ${event.id}: ${event.resource.out_trade_no} ${event.resource.trade_state} ${event.resource.amount.total} fen`);
        received(event);
        return Notification.success();
      })
      .catch((error: Error) => {
        console.log(`refused: ${error.message}`);
        return Notification.failure(error.message.slice(0, 100), 401);
      })
      .then((reply) => res.writeHead(reply.status, reply.headers).end(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env['WECHATPAY_NOTIFY_PORT'] ?? 0), '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  console.log(`listening on ${notifyUrl}`);

  try {
    if (!sandbox) {
      await done;
      return;
    }
    const tradeNo = outTradeNo('NOTIFY');
    await client.v3.pay.transactions.native.post({
      json: { appid, mchid, description: 'Notification example', out_trade_no: tradeNo, notify_url: notifyUrl, amount: { total: 88 } },
    });
    const { notification } = await sandbox.pay(tradeNo, { notify: true });
    console.log(`the handler answered the sandbox HTTP ${notification?.status}`);
    await done;

    // A tampered one is refused: the sandbox spoils the signature on request.
    const tampered = await sandbox.notify(notifyUrl, { order: tradeNo }, { fault: 'bad-signature' });
    console.log(`a notification with a bad signature: HTTP ${tampered.status}`);
  } finally {
    server.close();
  }
});
