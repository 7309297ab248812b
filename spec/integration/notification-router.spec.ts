/**
 * One notify URL for three merchants: three sandboxes (each a merchant with its own mchid, APIv3 key and
 * platform keys) notify one receiver, which hands every notification to `Notification.router(clients)`.
 * A fourth client trusts the first merchant's platform key too (a service provider's sub-merchant): the
 * router tells the two apart by the APIv3 key that opens the resource.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Builder, type Client } from '../../lib/index.js';
import { ConfigError, VerificationError } from '../../lib/errors.js';
import { Notification, type NotificationRequest } from '../../lib/helpers/notification.js';
import type { NotificationRouter, RoutedNotification } from '../../lib/helpers/notification-router.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';
import { thrown } from '../support/thrown.js';

const MERCHANTS = ['1230000109', '1900000101', '1900000102'] as const;
let sandboxes: Sandbox[] = [];
let clients: Client[] = [];
/** The third merchant's client, trusting the first merchant's platform keys as well as its own. */
let sharing: Client;
let router: NotificationRouter;
let receiver: Server;
let url = '';
/** What the receiver got: each request as received, and what the router made of it. */
const received: Array<{ request: NotificationRequest; parsed: RoutedNotification | Error }> = [];

beforeAll(async () => {
  sandboxes = await Promise.all([...MERCHANTS, '1900000199'].map((mchid) => startSandbox({ mchid })));
  clients = sandboxes.slice(0, 3).map((sandbox) => Builder.factory(sandbox.config));
  sharing = Builder.factory({ ...sandboxes[2]!.config, certs: { ...sandboxes[2]!.config.certs, ...sandboxes[0]!.config.certs } });
  // The sub-merchant first: a notification of merchant 1 is tried with its APIv3 key before merchant 1's.
  router = Notification.router([sharing, clients[0]!, clients[1]!]);
  receiver = createServer((req, res) => {
    void Notification.fromNodeRequest(req).then((request) => {
      let reply = Notification.success();
      try {
        received.push({ request, parsed: router.parse(request) });
      } catch (error) {
        received.push({ request, parsed: error as Error });
        reply = Notification.failure((error as Error).message, 401);
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
}, 60_000);
afterAll(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
  await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(() => {
  received.length = 0;
});

/** Merchant `index` takes an order to be notified at the shared URL, and the payer pays it. */
async function paid(index: number, outTradeNo: string, total: number): Promise<void> {
  const client = index === 3 ? Builder.factory(sandboxes[3]!.config) : clients[index]!;
  await client.v3.pay.transactions.jsapi.post({ json: {
    appid: 'wxd678efh567hg6787', mchid: sandboxes[index]!.config.mchid, description: 'routed', out_trade_no: outTradeNo, notify_url: url,
    amount: { total, currency: 'CNY' }, payer: { openid: 'oROUTED' },
  } });
  await sandboxes[index]!.pay(outTradeNo, { notify: true });
}

describe('Notification.router: one notify URL, three merchants', () => {
  it('picks each merchant by the notification\'s Wechatpay-Serial and resolves what its client would, plus mchid', async () => {
    await paid(0, 'R-A', 101);
    await paid(1, 'R-B', 202);
    await paid(2, 'R-C', 303);
    expect(received.map(({ parsed }) => (parsed instanceof Error ? parsed.message : [parsed.mchid, parsed.resource['out_trade_no'], parsed.resource['amount']])))
      .toEqual([
        ['1230000109', 'R-A', expect.objectContaining({ total: 101 })],
        ['1900000101', 'R-B', expect.objectContaining({ total: 202 })],
        ['1900000102', 'R-C', expect.objectContaining({ total: 303 })],
      ]);
    received.forEach(({ request, parsed }, index) => {
      const { mchid: _mchid, ...envelope } = parsed as RoutedNotification;
      expect(envelope).toEqual(clients[index]!.notification.parse(request));
    });
    expect(router.merchants).toEqual(['1900000102', '1230000109', '1900000101']);
  });

  it('tells apart two merchants that trust the same platform key by the APIv3 key that opens the resource', async () => {
    await paid(0, 'R-A2', 111);
    const { request, parsed } = received[0]!;
    expect((parsed as RoutedNotification).mchid).toBe('1230000109');
    // the sub-merchant's client trusts the signature but cannot open it
    expect(thrown(() => sharing.notification.parse(request))).toMatchObject({ code: 'EV3_NOTIFY_RESOURCE' });
    // a router serving only the sub-merchant: verified, but nobody's to open
    const error = thrown(() => Notification.router([sharing]).parse(request));
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code: 'EV3_NOTIFY_RESOURCE', message: expect.stringMatching(/1900000102 trust, but none of their APIv3 keys opens/) });
  });

  it('follows a merchant that signs with its platform public key (PUB_KEY_ID_...)', async () => {
    sandboxes[1]!.signWith('public-key');
    try {
      await paid(1, 'R-B2', 222);
    } finally {
      sandboxes[1]!.signWith('certificate');
    }
    const { request, parsed } = received[0]!;
    expect((request.headers as Record<string, string>)['wechatpay-serial']).toMatch(/^PUB_KEY_ID_/);
    expect(parsed).toMatchObject({ mchid: '1900000101', resource: { out_trade_no: 'R-B2' } });
  });

  it('refuses a serial no merchant of the router trusts, and a notification that does not verify', async () => {
    await paid(3, 'R-D', 404);
    expect(received[0]!.parsed).toBeInstanceOf(VerificationError);
    expect(received[0]!.parsed).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL', message: expect.stringMatching(/none of the merchants of this router \(1900000102, 1230000109, 1900000101\)/) });
    await clients[1]!.v3.pay.transactions.jsapi.post({ json: {
      appid: 'wxd678efh567hg6787', mchid: MERCHANTS[1], description: 'routed', out_trade_no: 'R-B3', notify_url: url, amount: { total: 1, currency: 'CNY' }, payer: { openid: 'o' },
    } });
    await sandboxes[1]!.pay('R-B3');
    for (const fault of ['bad-signature', 'stale-timestamp', 'probe-signature'] as const) await sandboxes[1]!.notify(url, { order: 'R-B3' }, { fault });
    expect(received.slice(1).map(({ parsed }) => (parsed as VerificationError).code)).toEqual([
      'EV3_RES_HEADER_SIGNATURE_DIGEST', 'EV3_RES_HEADER_TIMESTAMP_OFFSET', 'EV3_RES_HEADER_SIGNATURE_DIGEST',
    ]);
    const { request } = received[1]!;
    const { 'wechatpay-serial': _serial, ...unsigned } = request.headers as Record<string, string>;
    expect(thrown(() => router.parse({ headers: unsigned, body: request.body }))).toMatchObject({ code: 'EV3_RES_HEADERS_INCOMPLETE' });
    expect(thrown(() => router.parse({ headers: request.headers, body: JSON.parse(request.body.toString()) }))).toMatchObject({ code: 'EV3_NOTIFY_RAW_BODY' });
  });

  it('is checked when it is made: clients made by Builder.factory, each with an APIv3 key, each merchant once', () => {
    expect(thrown(() => Notification.router([]))).toBeInstanceOf(ConfigError);
    expect(thrown(() => Notification.router([{ notification: {} }]))).toMatchObject({ field: 'clients[0]', message: expect.stringMatching(/Builder\.factory/) });
    const { apiv3Key: _key, ...withoutKey } = sandboxes[1]!.config;
    expect(thrown(() => Notification.router([clients[0]!, Builder.factory(withoutKey)]))).toMatchObject({ field: 'clients[1]', message: expect.stringMatching(/no apiv3Key/) });
    expect(thrown(() => Notification.router([clients[0]!, Builder.factory(sandboxes[0]!.config)]))).toMatchObject({ message: expect.stringMatching(/1230000109 twice/) });
  });

  it('reads a client through a hidden member that never shows its APIv3 key', () => {
    const shown = `${inspect(clients[0]!.notification, { showHidden: true, depth: 8 })} ${JSON.stringify(clients[0]!.notification)} ${inspect(router, { showHidden: true, depth: 8 })}`;
    expect(shown).not.toContain(sandboxes[0]!.config.apiv3Key);
    expect(Object.keys(clients[0]!.notification)).toEqual(['parse', 'parseAsync', 'parseV2', 'handler', 'handlerV2']);
  });
});
