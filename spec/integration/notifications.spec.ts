/**
 * The sandbox sends signed, encrypted notifications to a local receiver, which verifies and decrypts
 * them with the SDK (`Notification.parse`, `client.notification.parse`): a payment, on `pay()` to the
 * order's notify_url, a refund, any resource; a spoiled signature is refused by the receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder } from '../../lib/core/builder.js';
import { Notification, type NotificationEnvelope } from '../../lib/helpers/notification.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

let sandbox: Sandbox;
let client: any;
let receiver: Server;
let url = '';
const received: Array<NotificationEnvelope | Error> = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  client = Builder.factory(sandbox.config);
  const parser = Notification.create({ certs: sandbox.config.certs, apiv3Key: sandbox.config.apiv3Key });
  receiver = createServer((req, res) => {
    void Notification.fromNodeRequest(req).then((request) => {
      let reply = Notification.success();
      try {
        received.push(parser.parse(request));
      } catch (error) {
        received.push(error as Error);
        reply = Notification.failure((error as Error).message, 401);
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
}, 30_000);
afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(() => {
  received.length = 0;
});

const createOrder = (outTradeNo: string, notifyUrl = url) => client.v3.pay.transactions.jsapi.post({ json: {
  appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'notified', out_trade_no: outTradeNo, notify_url: notifyUrl,
  amount: { total: 321, currency: 'CNY' }, payer: { openid: 'oNOTIFIED' },
} });

describe('payment notifications', () => {
  it('pay({ notify: true }) sends TRANSACTION.SUCCESS to the order notify_url, which verifies and decrypts it', async () => {
    await createOrder('NT1');
    const { transaction, notification } = await sandbox.pay('NT1', { notify: true });
    expect(notification?.status).toBe(204);
    expect(received).toHaveLength(1);
    const envelope = received[0] as NotificationEnvelope;
    expect(envelope).toMatchObject({
      event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', summary: '支付成功',
      resource_meta: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' },
    });
    expect(envelope.resource).toEqual(transaction);
    expect(envelope.resource).toMatchObject({ out_trade_no: 'NT1', trade_state: 'SUCCESS', amount: { total: 321, payer_total: 321 }, payer: { openid: 'oNOTIFIED' } });
    // What was sent is what a platform sends: the headers the client verifies.
    expect(notification!.sent.headers).toMatchObject({ 'Wechatpay-Serial': sandbox.platform.serial, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' });
    // The transaction queried through the API is the one notified.
    const { data } = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'NT1', query: { mchid: sandbox.config.mchid } });
    expect(data).toEqual(envelope.resource);
  });

  it('notify(url, { order }) sends it again (the platform retries; handlers are idempotent), and client.notification parses it too', async () => {
    await createOrder('NT2', 'https://example.com/elsewhere');
    await sandbox.pay('NT2');
    const result = await sandbox.notify(url, { order: 'NT2' });
    expect(result.status).toBe(204);
    const parsed = client.notification.parse({ headers: result.sent.headers, body: result.sent.body });
    expect(parsed.resource).toMatchObject({ out_trade_no: 'NT2', trade_state: 'SUCCESS' });
    await expect(sandbox.notify(url, { order: 'NOPE' })).rejects.toThrow(/No order NOPE/);
    await createOrder('NT3');
    await expect(sandbox.notify(url, { order: 'NT3' })).rejects.toThrow(/only a paid order/);
  });

  it('a refund: REFUND.SUCCESS with the refund resource', async () => {
    await createOrder('NT4');
    await sandbox.pay('NT4');
    await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'NT4', out_refund_no: 'NTR4', amount: { refund: 21, total: 321, currency: 'CNY' } } });
    expect((await sandbox.notify(url, { refund: 'NTR4' })).status).toBe(204);
    expect(received[0]).toMatchObject({
      event_type: 'REFUND.SUCCESS', summary: '退款成功', resource_meta: { original_type: 'refund', associated_data: 'refund' },
      resource: { out_trade_no: 'NT4', out_refund_no: 'NTR4', refund_status: 'SUCCESS', amount: { total: 321, refund: 21, payer_refund: 21 } },
    });
  });

  it('any resource, signed with the platform public key when the sandbox signs with it', async () => {
    sandbox.signWith('public-key');
    try {
      const result = await sandbox.notify(url, { event_type: 'MCHTRANSFER.BILL.FINISHED', original_type: 'mch_payment', resource: { out_bill_no: 'B1', state: 'SUCCESS' } });
      expect(result.status).toBe(204);
      expect(result.sent.headers['Wechatpay-Serial']).toBe(sandbox.platform.publicKeyId);
    } finally {
      sandbox.signWith('certificate');
    }
    expect(received[0]).toMatchObject({ event_type: 'MCHTRANSFER.BILL.FINISHED', resource: { out_bill_no: 'B1' }, resource_meta: { associated_data: 'mch_payment' } });
  });

  it.each([
    ['bad-signature', 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['stale-timestamp', 'EV3_RES_HEADER_TIMESTAMP_OFFSET'],
    ['unknown-serial', 'EV3_RES_HEADER_PLATFORM_SERIAL'],
  ] as const)('a %s notification is refused by the receiver (%s)', async (fault, code) => {
    await createOrder(`NTF-${fault}`);
    await sandbox.pay(`NTF-${fault}`);
    const result = await sandbox.notify(url, { order: `NTF-${fault}` }, { fault });
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'FAIL' });
    expect(received[0]).toMatchObject({ code });
  });

  it('is sent from the control API too', async () => {
    await createOrder('NT5');
    const paid = await fetch(`${sandbox.baseURL}__sandbox/pay`, { method: 'POST', body: JSON.stringify({ out_trade_no: 'NT5', notify: true }) });
    expect(paid.status).toBe(200);
    expect(((await paid.json()) as { transaction: unknown }).transaction).toMatchObject({ out_trade_no: 'NT5', trade_state: 'SUCCESS' });
    const again = await fetch(`${sandbox.baseURL}__sandbox/notify`, { method: 'POST', body: JSON.stringify({ url, out_trade_no: 'NT5' }) });
    expect(await again.json()).toEqual({ status: 204, body: '' });
    expect(received.map((r) => (r as NotificationEnvelope).resource['out_trade_no'])).toEqual(['NT5', 'NT5']);
  });
});
