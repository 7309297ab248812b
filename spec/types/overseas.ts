/**
 * Type tests for the overseas hosts: `hk/v3/...` and `global/v3/...` (kept as the data writes them), and
 * the `v3/global/...` family. `@ts-expect-error TSnnnn`: see spec/codegen/type-tests.slow.spec.ts.
 */

import type { Builder } from '../../lib/core/builder.js';

declare const client: ReturnType<typeof Builder.factory>;
declare function expectType<T>(value: T): void;

export async function hkNative(): Promise<void> {
  const node = client.hk.v3.transactions.native;
  const options = {
    json: {
      mchid: '1900000109', appid: 'wx8888888888888888', sub_mchid: '1900000109', sp_mchid: '1900000100', sp_appid: 'wx8888888888888888',
      description: 'image形象店-深圳腾大- QQ公仔', notify_url: 'https://www.weixin.qq.com/wxpay/pay.php', out_trade_no: '1217752501201407033233368018',
      trade_type: 'NATIVE', merchant_category_code: '1011', amount: { total: 888, currency: 'HKD' },
    },
  };
  const { data } = await node.post(options);
  expectType<string>(data.code_url);
  await client.chain('hk/v3/transactions/native').post(options);
  await client['hk/v3/transactions/native'].post(options);
  await node.postAsync(options).then(({ data: d }) => expectType<string>(d.code_url));
  await client.chain('hk/v3/transactions/native').postAsync(options);
  await client['hk/v3/transactions/native'].postAsync(options);
  // hk keeps its path: there is no `v3.hk`
  // @ts-expect-error TS2339
  void client.v3.hk;
  // amount.total is a number
  // @ts-expect-error TS2322
  await node.post({ json: { ...options.json, amount: { total: '888' } } });
}

export async function hkRefundQuery(): Promise<void> {
  const node = client.hk.v3.refunds.id._refund_id_;
  const options = { refund_id: '50000000382019052709732678859', query: { mchid: '1900000109', sub_mchid: '1900000109', sp_mchid: '1900000100' } };
  const { data } = await node.get(options);
  expectType<'SUCCESS' | 'REFUNDCLOSE' | 'PROCESSING' | 'ABNORMAL'>(data.status);
  await client.chain('hk/v3/refunds/id/{refund_id}').get(options);
  await client['hk/v3/refunds/id/{refund_id}'].get(options);
  await node.getAsync(options);
  await client.chain('hk/v3/refunds/id/{refund_id}').getAsync(options);
  await client['hk/v3/refunds/id/{refund_id}'].getAsync(options);
  // the data writes `require:` for `required:` here; fixed, so the query fields are required
  // @ts-expect-error TS2739
  await node.get({ refund_id: '1', query: { mchid: '1' } });
  // the refund id given as the segment itself: the options no longer take it
  await client.hk.v3.refunds.id['50000000382019052709732678859']!.get({ query: options.query });
}

export async function statementsAreCsv(): Promise<void> {
  const hk = client.hk.v3.statements;
  expectType<string>((await hk.get({ query: { date: '20191212' } })).data);
  await client.chain('hk/v3/statements').get({ query: { date: '20191212' }, headers: { 'Accept-Encoding': 'gzip' } });
  await client['hk/v3/statements'].getAsync({ query: { date: '20191212' } });
  expectType<string>((await client.v3.global.statements.get({ query: { date: '20191212' } })).data);
  // the date is required
  // @ts-expect-error TS2741
  await hk.get({ query: {} });
}

export async function globalCustoms(): Promise<void> {
  const node = client.global.v3.customs.orders;
  const json = {
    appid: 'wxd678efh567hg6787', mchid: '1230000109', out_trade_no: '20150806125346', transaction_id: '1000320306201511078440737890',
    customs: 'SHANGHAI_ZS', merchant_customs_no: '123456',
  } as const;
  await node.post({ json });
  await client.chain('global/v3/customs/orders').post({ json });
  await client['global/v3/customs/orders'].post({ json });
  await node.postAsync({ json });
  await client.chain('global/v3/customs/orders').postAsync({ json });
  await client['global/v3/customs/orders'].postAsync({ json });
  await node.patch({ json });
  const { data } = await node.get({ query: { appid: json.appid, mchid: json.mchid, order_type: 'out_trade_no', order_no: '20150806125346', customs: 'SHANGHAI_ZS' } });
  expectType<number>(data.total_count);
  // customs is an enum
  // @ts-expect-error TS2322
  await node.post({ json: { ...json, customs: 'BEIJING' } });
  // no DELETE on customs orders
  // @ts-expect-error TS2339
  await node.delete({});
  // the leading slash is not part of the template
  // @ts-expect-error TS2551|TS7053
  void client['/global/v3/customs/orders'];
}

export async function globalFamily(): Promise<void> {
  // `v3/global/...` (mainland host paths for cross-border merchants): a DELETE with a JSON body
  const receivers = client.v3.global.profitSharing.receivers;
  type Delete = NonNullable<Parameters<typeof receivers.delete>[0]>;
  await receivers.delete({ json: {} as Delete['json'] });
  await client.chain('v3/global/profit-sharing/receivers').deleteAsync({ json: {} as Delete['json'] });
  // the PATCH (fix-up: its {sub_mchid} path parameter was not declared)
  const merchant = client.v3.global.merchants._sub_mchid_;
  type Patch = Parameters<typeof merchant.patch>[0];
  const headers = { 'Wechatpay-Serial': 'PUB_KEY_ID_0114232134912410000000000000' };
  await merchant.patch({ sub_mchid: '1900000109', json: {} as Patch['json'], headers });
  // ... so it is required
  // @ts-expect-error TS2345
  await merchant.patch({ json: {} as Patch['json'], headers });
}
