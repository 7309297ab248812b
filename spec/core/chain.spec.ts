import { inspect } from 'node:util';
import { Builder } from '../../lib/core/builder.js';
import { usePlatform } from '../support/platform.js';

/** The client with its generated types set aside: these specs exercise the runtime chain itself. */
type AnyClient = any;

const platform = usePlatform('{"ok":true}');
let client: AnyClient;

beforeAll(() => {
  client = Builder.factory(platform.config());
});

const seedTemplate = 'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes';
const seedOptions = () => ({
  product_coupon_id: '1000000013',
  stock_id: '1000000013001',
  json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
});
const seedTarget = '/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001/upload-coupon-codes';

async function sent(call: () => Promise<unknown>) {
  const before = platform.requests.length;
  await call();
  expect(platform.requests.length).toBe(before + 1);
  return platform.last;
}

describe('the six call styles of the seed endpoint', () => {
  const styles: Array<[string, () => Promise<unknown>]> = [
    ['chain + await', () => client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post(seedOptions())],
    ['chain + then', () => client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.postAsync(seedOptions()).then((r: any) => r.data)],
    ['chain() + await', () => client.chain(seedTemplate).post(seedOptions())],
    ['chain() + then', () => client.chain(seedTemplate).postAsync(seedOptions()).then((r: any) => r.data)],
    ['bracket + await', () => client[seedTemplate].post(seedOptions())],
    ['bracket + then', () => client[seedTemplate].postAsync(seedOptions()).then((r: any) => r.data)],
  ];

  it.each(styles)('%s sends the same signed request', async (_style, call) => {
    const request = await sent(call);
    expect(request.method).toBe('POST');
    expect(request.target).toBe(seedTarget);
    expect(JSON.parse(request.body.toString())).toEqual(seedOptions().json);
    expect(request.authorized).toBe(true);
  });

  it('resolves to the axios response', async () => {
    const response = await client.chain(seedTemplate).post(seedOptions());
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ ok: true });
    expect(response.headers['request-id']).toMatch(/^08/);
  });

  it('mixes styles: $var$ placeholders, {var} brackets and bracketed paths', async () => {
    expect((await sent(() => client.v3.marketing.partner.productCoupon.productCoupons.$product_coupon_id$.stocks['{stock_id}'].uploadCouponCodes.post(seedOptions()))).target).toBe(seedTarget);
    expect((await sent(() => client.v3['marketing/partner/product-coupon/product-coupons/{product_coupon_id}'].stocks._stock_id_['upload-coupon-codes'].post(seedOptions()))).target).toBe(seedTarget);
    const openid = await sent(() => client.v3.marketing.busifavor.users['{openid}'].coupons.get({ openid: 'o-1', query: { appid: 'wx1' } }));
    expect(openid.target).toBe('/v3/marketing/busifavor/users/o-1/coupons?appid=wx1');
  });

  it('percent-encodes each value of a tagged template', async () => {
    const id = '42/../../v3/refund?x#y';
    const request = await sent(() => client.chain`v3/pay/transactions/id/${id}`.get({ query: { mchid: '1230000109' } }));
    expect(request.target).toBe('/v3/pay/transactions/id/42%2F..%2F..%2Fv3%2Frefund%3Fx%23y?mchid=1230000109');
  });
});

describe('values written directly where the API has one variable child', () => {
  it('are taken verbatim (capitals kept) and percent-encoded', async () => {
    const a = await sent(() => client.v3.pay.transactions.outTradeNo['ORDER-2024ABC/x?y'].get({ query: { mchid: '1230000109' } }));
    expect(a.target).toBe('/v3/pay/transactions/out-trade-no/ORDER-2024ABC%2Fx%3Fy?mchid=1230000109');
    const nested = await sent(() => client.v3.marketing.busifavor.users.oUpF8uMuAJO_M2pxb1Q9zNjWeS6o.coupons.CouponCode1.appids.wxAPPID.get());
    expect(nested.target).toBe('/v3/marketing/busifavor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons/CouponCode1/appids/wxAPPID');
  });

  it('still take placeholders and verbs there', async () => {
    const placeholder = await sent(() => client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'ABC' }));
    expect(placeholder.target).toBe('/v3/pay/transactions/out-trade-no/ABC');
    const verb = await sent(() => client.hk.v3.merchants.post({ json: {} }));
    expect([verb.method, verb.target]).toEqual(['POST', '/hk/v3/merchants']);
    const valueNamedLikeAVerb = await sent(() => client.hk.v3.merchants.post.get());
    expect([valueNamedLikeAVerb.method, valueNamedLikeAVerb.target]).toEqual(['GET', '/hk/v3/merchants/post']);
  });

  it('refuses . and .. as values', () => {
    expect(() => client.v3.pay.transactions.outTradeNo['..']).toThrow(expect.objectContaining({ code: 'EURI_INVALID' }));
  });

  it('normalises properties elsewhere, as wechatpay-php does', async () => {
    expect((await sent(() => client.v3.somewhere.ABC.get())).target).toBe('/v3/somewhere/a-b-c');
  });
});

describe('segments named like verbs, Function members or keywords', () => {
  it('posts to .../receivers/delete, and still sends DELETE from a verb', async () => {
    const post = await sent(() => client.v3.profitsharing.receivers.delete.post({ json: { type: 'MERCHANT_ID' } }));
    expect([post.method, post.target]).toEqual(['POST', '/v3/profitsharing/receivers/delete']);
    const del = await sent(() => client.v3.x._id_.delete({ id: '7' }));
    expect([del.method, del.target]).toEqual(['DELETE', '/v3/x/7']);
    const delAsync = await sent(() => client.v3.x._id_.deleteAsync({ id: '8' }));
    expect([delAsync.method, delAsync.target]).toEqual(['DELETE', '/v3/x/8']);
  });

  it.each(['apply', 'bind', 'call', 'return', 'import', 'try', 'get', 'put', 'patch', 'constructor', 'prototype', 'length', 'name'])(
    'treats %s as a path segment', async (segment) => {
      const request = await sent(() => client.v3.a[segment].post({ json: {} }));
      expect(request.target).toBe(`/v3/a/${segment}`);
    },
  );

  it('calls a verb-named node as that verb on its parent', async () => {
    const request = await sent(() => client.v3.a.get({ query: { q: 1 } }));
    expect([request.method, request.target]).toEqual(['GET', '/v3/a?q=1']);
  });

  it('rejects a call on a node that is not a verb', async () => {
    await expect(client.v3.pay.transactions.native({ json: {} })).rejects.toThrow(/not a verb/);
  });
});

describe('paths written out in chain() and brackets are verbatim', () => {
  it('keeps capitals and trailing slashes', async () => {
    expect((await sent(() => client.chain('v3/applyment4sub/applyment/').post({ json: {} }))).target).toBe('/v3/applyment4sub/applyment/');
    expect((await sent(() => client['v3/applyment4sub/applyment/'].post({ json: {} }))).target).toBe('/v3/applyment4sub/applyment/');
    expect((await sent(() => client.v3.applyment4sub.applyment._empty_.post({ json: {} }))).target).toBe('/v3/applyment4sub/applyment/');
    expect((await sent(() => client.chain('v3/applyment4sub/applyment/{empty}').post({ json: {} }))).target).toBe('/v3/applyment4sub/applyment/');
    // Printed as what is requested, not as the placeholder.
    expect(String(client.v3.applyment4sub.applyment._empty_)).toBe('v3/applyment4sub/applyment/');
    expect(`${client.v3.applyment4sub.applyment._empty_}`).toBe('v3/applyment4sub/applyment/');
    expect(JSON.stringify({ node: client.v3.applyment4sub.applyment._empty_ })).toBe('{"node":"v3/applyment4sub/applyment/"}');
    expect(inspect(client.v3.applyment4sub.applyment._empty_)).toBe('[WechatpayChain v3/applyment4sub/applyment/]');
    expect((await sent(() => client.chain('v3/Some/CamelCase').get())).target).toBe('/v3/Some/CamelCase');
  });

  it('normalises properties (V3 -> v3, camelCase -> kebab-case)', async () => {
    expect((await sent(() => client.V3.merchantService.complaintsV2.get())).target).toBe('/v3/merchant-service/complaints-v2');
  });
});

describe('nodes are plain values for promises, serialisation and printing', () => {
  it('sends nothing and throws nothing when awaited, serialised or printed', async () => {
    const node = client.v3.pay.transactions.id._transaction_id_;
    const before = platform.requests.length;
    expect(await node).toBe(node);
    expect(await Promise.resolve(node)).toBe(node);
    expect(JSON.stringify(node)).toBe('"v3/pay/transactions/id/{transaction_id}"');
    expect(JSON.stringify({ node })).toBe('{"node":"v3/pay/transactions/id/{transaction_id}"}');
    expect(String(node)).toBe('v3/pay/transactions/id/{transaction_id}');
    expect(`${node}`).toBe('v3/pay/transactions/id/{transaction_id}');
    expect(inspect(node)).toBe('[WechatpayChain v3/pay/transactions/id/{transaction_id}]');
    expect(Object.prototype.toString.call(node)).toBe('[object WechatpayChain]');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    console.log(node, client);
    log.mockRestore();
    expect(await client).toBe(client);
    expect(String(client)).toBe('[WechatpayClient mchid=1230000109]');
    expect(inspect(client)).toBe('[WechatpayClient mchid=1230000109]');
    expect(Object.keys(client)).toEqual([]);
    expect(Object.keys(node)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(platform.requests.length).toBe(before);
  });

  it('cannot be assigned to', () => {
    expect(() => { client.v3.pay.x = 1; }).toThrow(TypeError);
    expect(() => { client.v3 = 1; }).toThrow(TypeError);
  });
});
