/**
 * APIv2 notifications, sent by the sandbox as XML to a local receiver that checks them with the SDK
 * (`client.notification.parseV2`) and answers the XML the platform expects: the payment result (signed
 * MD5, or HMAC-SHA256 as its sign_type says) and the refund result (req_info decrypted and parsed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder, type Client } from '../../lib/index.js';
import { Notification } from '../../lib/helpers/notification.js';
import type { V2Notification } from '../../lib/helpers/notification-v2.js';
import { VerificationError } from '../../lib/errors.js';
import { Transformer } from '../../lib/util/transformer.js';
import type { Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: Client;
let receiver: Server;
let url = '';
/** The client the receiver checks with (the sandbox's merchant, unless a test says otherwise). */
let parsing: () => Client;
const received: Array<V2Notification | Error> = [];

withSandbox((s, c) => {
  sandbox = s;
  client = c;
  parsing = () => client;
});
beforeAll(async () => {
  receiver = createServer((req, res) => {
    void Notification.fromNodeRequest(req).then((request) => {
      let reply = Notification.successV2();
      try {
        received.push(parsing().notification.parseV2(request));
      } catch (error) {
        received.push(error as Error);
        reply = Notification.failureV2((error as Error).message);
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify-v2`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));
beforeEach(() => {
  received.length = 0;
  parsing = () => client;
});

async function paidOrder(outTradeNo: string, total = 321): Promise<string> {
  await client.v3.pay.transactions.jsapi.post({ json: {
    appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'notified', out_trade_no: outTradeNo, notify_url: url,
    amount: { total, currency: 'CNY' }, payer: { openid: 'oNOTIFIEDV2' }, attach: '支付测试',
  } });
  return (await sandbox.pay(outTradeNo)).transaction['transaction_id'] as string;
}

describe('APIv2 payment notifications', () => {
  it.each(['MD5', 'HMAC-SHA256'] as const)('%s: the sign checked, the fields typed, the XML reply SUCCESS', async (signType) => {
    const transaction = await paidOrder(`N2-${signType}`);
    const answer = await sandbox.notifyV2(url, { order: `N2-${signType}` }, { signType });
    expect(answer.status).toBe(200);
    expect(Transformer.toArray(answer.body)).toEqual({ return_code: 'SUCCESS', return_msg: 'OK' });
    const notification = received[0] as V2Notification;
    expect(notification).toMatchObject({
      return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: sandbox.config.mchid, appid: 'wxd678efh567hg6787', openid: 'oNOTIFIEDV2',
      out_trade_no: `N2-${signType}`, transaction_id: transaction, total_fee: '321', cash_fee: '321', trade_type: 'JSAPI', attach: '支付测试',
      time_end: expect.stringMatching(/^\d{14}$/),
    });
    if ('req_info' in notification) throw new Error('a payment is not a refund');
    expect(notification.sign).toHaveLength(signType === 'MD5' ? 32 : 64);
  });

  it('refuses one signed with another secret (EV2_NOTIFY_SIGN), and the reply asks for it again', async () => {
    await paidOrder('N2-FORGED');
    const answer = await sandbox.notifyV2(url, { order: 'N2-FORGED' }, { fault: 'bad-signature' });
    expect(Transformer.toArray(answer.body)).toMatchObject({ return_code: 'FAIL', return_msg: expect.stringMatching(/sign does not match/) });
    expect(received[0]).toBeInstanceOf(VerificationError);
    expect(received[0]).toMatchObject({ code: 'EV2_NOTIFY_SIGN' });
  });

  it('refuses one for another merchant (EV2_NOTIFY_BODY)', async () => {
    await paidOrder('N2-OTHER');
    parsing = () => Builder.factory({ ...sandbox.config, mchid: '1900000109' });
    await sandbox.notifyV2(url, { order: 'N2-OTHER' });
    expect(received[0]).toMatchObject({ code: 'EV2_NOTIFY_BODY', message: expect.stringMatching(/not 1900000109/) });
  });
});

describe('APIv2 refund notifications', () => {
  it('decrypts req_info (AES-256-ECB, key = md5 of the secret) and returns it parsed in its place', async () => {
    const transaction = await paidOrder('N2-R', 500);
    await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'N2-R', out_refund_no: 'N2-RR', amount: { refund: 120, total: 500, currency: 'CNY' } } });
    const answer = await sandbox.notifyV2(url, { refund: 'N2-RR' });
    expect(Transformer.toArray(answer.body)).toEqual({ return_code: 'SUCCESS', return_msg: 'OK' });
    const notification = received[0] as V2Notification;
    if (!('req_info' in notification)) throw new Error('a refund has req_info');
    expect(notification).toMatchObject({ return_code: 'SUCCESS', mch_id: sandbox.config.mchid, appid: 'wxd678efh567hg6787' });
    expect(notification.req_info).toMatchObject({
      out_trade_no: 'N2-R', transaction_id: transaction, out_refund_no: 'N2-RR', refund_id: expect.stringMatching(/^50\d+$/),
      total_fee: '500', refund_fee: '120', settlement_refund_fee: '120', refund_status: 'SUCCESS', refund_request_source: 'API',
      success_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });
  });

  it('refuses a req_info that does not decrypt with the secret (EV2_NOTIFY_REQ_INFO)', async () => {
    await paidOrder('N2-RX', 500);
    await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'N2-RX', out_refund_no: 'N2-RXR', amount: { refund: 1, total: 500, currency: 'CNY' } } });
    const answer = await sandbox.notifyV2(url, { refund: 'N2-RXR' }, { fault: 'bad-signature' });
    expect(Transformer.toArray(answer.body)).toMatchObject({ return_code: 'FAIL' });
    expect(received[0]).toMatchObject({ code: 'EV2_NOTIFY_REQ_INFO' });
  });
});
