/**
 * Type tests for a sample of mainland APIv3 endpoints: each accepts its documented options in the six
 * styles (chain / chain() / bracket, each with await and .then()) and rejects what the data rules out.
 * `@ts-expect-error TSnnnn`: see spec/codegen/type-tests.slow.spec.ts.
 */
import type { Writable } from 'node:stream';
import type { MultipartLike, Sink } from '../../lib/types.js';

import type { Builder } from '../../lib/core/builder.js';

declare const client: ReturnType<typeof Builder.factory>;
declare const media: MultipartLike;
declare const writable: Writable;
declare const either: Sink;
declare function expectType<T>(value: T): void;

export async function jsapi(): Promise<void> {
  const node = client.v3.pay.transactions.jsapi;
  const options = {
    json: {
      appid: 'wxd678efh567hg6787',
      mchid: '1230000109',
      description: 'Image形象店-深圳腾大-QQ公仔',
      out_trade_no: '1217752501201407033233368018',
      notify_url: 'https://www.weixin.qq.com/wxpay/pay.php',
      amount: { total: 100, currency: 'CNY' },
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      limit_pay: ['no_credit' as const],
    },
  } satisfies Parameters<typeof node.post>[0];
  expectType<string>((await node.post(options)).data.prepay_id);
  expectType<string>((await client.chain('v3/pay/transactions/jsapi').post(options)).data.prepay_id);
  expectType<string>((await client['v3/pay/transactions/jsapi'].post(options)).data.prepay_id);
  await node.postAsync(options).then(({ data }) => expectType<string>(data.prepay_id));
  await client.chain('v3/pay/transactions/jsapi').postAsync(options).then(({ data }) => expectType<string>(data.prepay_id));
  await client['v3/pay/transactions/jsapi'].postAsync(options).then(({ data }) => expectType<string>(data.prepay_id));
  // an enum value the data does not list
  // @ts-expect-error TS2322
  await node.post({ json: { ...options.json, limit_pay: ['no_cash'] } });
  // a nested field of the wrong type
  // @ts-expect-error TS2322
  await node.post({ json: { ...options.json, amount: { total: '100' } } });
  // a missing required nested field
  // @ts-expect-error TS2741
  await node.post({ json: { ...options.json, payer: {} } });
  // a misspelled nested field
  // @ts-expect-error TS2561
  await node.post({ json: { ...options.json, payer: { open_id: 'o' } } });
  // GET is not documented here
  // @ts-expect-error TS2339
  await node.get();
}

export async function queryById(): Promise<void> {
  const node = client.v3.pay.transactions.id._transaction_id_;
  const options = { transaction_id: '1217752501201407033233368018', query: { mchid: '1230000109' } };
  const { data } = await node.get(options);
  expectType<'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR' | undefined>(data.trade_state);
  await client.chain('v3/pay/transactions/id/{transaction_id}').get(options);
  await client['v3/pay/transactions/id/{transaction_id}'].get(options);
  await node.getAsync(options).then(({ data: d }) => d.trade_state);
  await client.chain('v3/pay/transactions/id/{transaction_id}').getAsync(options).then(({ data: d }) => d.amount);
  await client['v3/pay/transactions/id/{transaction_id}'].getAsync(options).then(({ data: d }) => d.out_trade_no);
  // the required query
  // @ts-expect-error TS2345
  await node.get({ transaction_id: '1' });
  // a query parameter the endpoint does not take
  // @ts-expect-error TS2353
  await node.get({ transaction_id: '1', query: { mchid: '1', sub_mchid: '2' } });
  // comparing with a state that does not exist
  // @ts-expect-error TS2367
  if (data.trade_state === 'PAID') return;
  // POST is not documented here
  // @ts-expect-error TS2339
  await node.post({ transaction_id: '1' });
}

export async function closeIsEmpty(): Promise<void> {
  const node = client.v3.pay.transactions.outTradeNo._out_trade_no_.close;
  const options = { out_trade_no: '1217752501201407033233368018', json: { mchid: '1230000109' } };
  expectType<undefined>((await node.post(options)).data);
  await client.chain('v3/pay/transactions/out-trade-no/{out_trade_no}/close').post(options);
  await client['v3/pay/transactions/out-trade-no/{out_trade_no}/close'].post(options);
  await node.postAsync(options).then(({ data }) => expectType<undefined>(data));
  await client.chain('v3/pay/transactions/out-trade-no/{out_trade_no}/close').postAsync(options);
  await client['v3/pay/transactions/out-trade-no/{out_trade_no}/close'].postAsync(options);
  // the hyphenated segment is written in camelCase
  // @ts-expect-error TS2339|TS2551
  void client.v3.pay.transactions.out_trade_no;
  // missing out_trade_no
  // @ts-expect-error TS2345
  await node.post({ json: { mchid: '1230000109' } });
}

export async function refund(): Promise<void> {
  const node = client.v3.refund.domestic.refunds;
  const options = {
    json: { out_trade_no: '1217752501201407033233368018', out_refund_no: '1217752501201407033233368019', amount: { refund: 888, total: 888, currency: 'CNY' } },
  } satisfies Parameters<typeof node.post>[0];
  const { data } = await node.post(options);
  expectType<string>(data.refund_id);
  await client.chain('v3/refund/domestic/refunds').post(options);
  await client['v3/refund/domestic/refunds'].post(options);
  await node.postAsync(options).then((r) => expectType<string>(r.data.out_refund_no));
  await client.chain('v3/refund/domestic/refunds').postAsync(options);
  await client['v3/refund/domestic/refunds'].postAsync(options);
  // the dynamic child beside two variables is not offered (which variable would it be?)
  // @ts-expect-error TS2339
  void client.v3.refund.domestic.refunds.someId;
  // amount.refund is a number
  // @ts-expect-error TS2322
  await node.post({ json: { out_refund_no: '1', amount: { refund: '888', total: 888, currency: 'CNY' } } });
}

export async function receiversDelete(): Promise<void> {
  // `delete` here is a segment (POST .../receivers/delete), not the DELETE verb.
  const node = client.v3.profitsharing.receivers.delete;
  const options = { json: { appid: 'wx8888888888888888', type: 'MERCHANT_ID', account: '86693852' } } satisfies Parameters<typeof node.post>[0];
  expectType<string>((await node.post(options)).data.account);
  await client.chain('v3/profitsharing/receivers/delete').post(options);
  await client['v3/profitsharing/receivers/delete'].post(options);
  await node.postAsync(options).then(({ data }) => data.type);
  await client.chain('v3/profitsharing/receivers/delete').postAsync(options);
  await client['v3/profitsharing/receivers/delete'].postAsync(options);
  // receivers itself has no DELETE verb, so `receivers.delete` cannot be called
  // @ts-expect-error TS2349
  await client.v3.profitsharing.receivers.delete({ json: options.json });
  // an enum value that is not a receiver type
  // @ts-expect-error TS2322
  await node.post({ json: { appid: 'wx8888888888888888', type: 'MERCHANT', account: '86693852' } });
}

export async function receiversAdd(): Promise<void> {
  // An encrypted field: the documented Wechatpay-Serial header.
  const node = client.v3.profitsharing.receivers.add;
  const options = {
    json: { appid: 'wx8888888888888888', type: 'MERCHANT_ID', account: '86693852', name: 'encrypted...', relation_type: 'STORE' },
    headers: { 'Wechatpay-Serial': 'PUB_KEY_ID_0114232134912410000000000000' },
  } satisfies Parameters<typeof node.post>[0];
  await node.post(options);
  await client.chain('v3/profitsharing/receivers/add').post(options);
  await client['v3/profitsharing/receivers/add'].post(options);
  await node.postAsync(options);
  await client.chain('v3/profitsharing/receivers/add').postAsync(options);
  await client['v3/profitsharing/receivers/add'].postAsync(options);
  // the header is optional: the SDK sends it when the body holds a client.encrypt() value
  await node.post({ json: { appid: 'wx8888888888888888', type: 'MERCHANT_ID', account: '86693852', relation_type: 'STORE' } });
  // the header holds a string
  // @ts-expect-error TS2322
  await node.post({ json: options.json, headers: { 'Wechatpay-Serial': 1 } });
}

export async function trailingSlash(): Promise<void> {
  // `v3/applyment4sub/applyment/`: `_empty_` is the trailing slash and takes no variable.
  const node = client.v3.applyment4sub.applyment._empty_;
  type Options = Parameters<typeof node.post>[0];
  const json = {} as Options['json'];
  // Encrypted fields: the documented Wechatpay-Serial header may be given (the SDK sends it for client.encrypt() values).
  const headers = { 'Wechatpay-Serial': 'PUB_KEY_ID_0114232134912410000000000000' };
  expectType<number>((await node.post({ json, headers })).data.applyment_id);
  await client.chain('v3/applyment4sub/applyment/').post({ json, headers });
  await client['v3/applyment4sub/applyment/'].post({ json, headers });
  await node.postAsync({ json, headers }).then(({ data }) => expectType<number>(data.applyment_id));
  await client.chain('v3/applyment4sub/applyment/').postAsync({ json, headers });
  await client['v3/applyment4sub/applyment/'].postAsync({ json, headers });
  const ecommerce = client.v3.ecommerce.applyments._empty_;
  await ecommerce.post({ json: {} as Parameters<typeof ecommerce.post>[0]['json'], headers });
  // ... or left to the SDK
  await node.post({ json });
  // the header holds a string
  // @ts-expect-error TS2322
  await node.post({ json, headers: { 'Wechatpay-Serial': true } });
  // the path without the slash is another node, with no POST
  // @ts-expect-error TS2339
  await client.v3.applyment4sub.applyment.post({ json, headers });
  // ... and the template without the slash is not typed as this endpoint (it is a prefix node)
  // @ts-expect-error TS2339
  await client['v3/applyment4sub/applyment'].post({ json, headers });
  // a misspelled field inside the body
  // @ts-expect-error TS2561
  await node.post({ json: { ...json, business_cod: '1' }, headers });
}

export async function upload(): Promise<void> {
  const node = client.v3.merchant.media.upload;
  expectType<string>((await node.post({ multipart: media })).data.media_id);
  await client.chain('v3/merchant/media/upload').post({ multipart: media });
  await client['v3/merchant/media/upload'].post({ multipart: media });
  await node.postAsync({ multipart: media }).then(({ data }) => data.media_id);
  await client.chain('v3/merchant/media/upload').postAsync({ multipart: media });
  await client['v3/merchant/media/upload'].postAsync({ multipart: media });
  await client.v3.marketing.favor.media.imageUpload.post({ multipart: media });
  // an upload takes the file, not a JSON body
  // @ts-expect-error TS2353
  await node.post({ json: { filename: 'a.png' } });
  // video_upload keeps its underscore
  await client.v3.merchant.media.video_upload.post({ multipart: media });
}

export async function downloads(): Promise<void> {
  const bill = await client.v3.bill.tradebill.get({ query: { bill_date: '2019-06-11', bill_type: 'ALL_SPECIAL', tar_type: 'GZIP' } });
  expectType<string>(bill.data.download_url);
  const file = client.v3.billdownload.file;
  expectType<Buffer>((await file.get({ query: { token: 'xxx' } })).data);
  await client.chain('v3/billdownload/file').get({ query: { token: 'xxx' } });
  await client['v3/billdownload/file'].get({ query: { token: 'xxx' } });
  await file.getAsync({ query: { token: 'xxx' } }).then(({ data }) => expectType<Buffer>(data));
  await client.chain('v3/billdownload/file').getAsync({ query: { token: 'xxx' } });
  await client['v3/billdownload/file'].getAsync({ query: { token: 'xxx' } });
  expectType<Buffer>((await client.v3.transferdownload.signfile.get({ query: { token: 'xxx' } })).data);
  expectType<Buffer>((await client.v3.merchantService.images._media_id_.get({ media_id: 'xxx' })).data);
  // a bill type the data does not list
  // @ts-expect-error TS2322
  await client.v3.bill.tradebill.get({ query: { bill_date: '2019-06-11', tar_type: 'ZIP' } });
  // the token is required
  // @ts-expect-error TS2741
  await file.get({ query: {} });
  // a file is not parsed JSON
  // @ts-expect-error TS2339
  void (await file.get({ query: { token: 'xxx' } })).data.hash_value;
  // sink (wechatpay-php's Guzzle option): data is the path written, or undefined for a Writable
  expectType<string>((await file.get({ sink: './somehowfile.csv.gz', query: { token: 'xxx', tartype: 'GZIP' } })).data);
  expectType<string>((await client['v3/billdownload/file'].getAsync({ sink: new URL('file:///tmp/bill.csv'), query: { token: 'xxx' } })).data);
  expectType<undefined>((await client.chain('v3/billdownload/file').get({ sink: writable, query: { token: 'xxx' } })).data);
  expectType<string | undefined>((await client.v3.global.statements.get({ sink: either, query: { date: '20180130' } })).data);
  await client.v3.merchantService.images._media_id_.getAsync({ sink: './image.jpg', media_id: 'xxx' });
  // a sink is a path or a Writable
  // @ts-expect-error TS2322
  await file.get({ sink: 42, query: { token: 'xxx' } });
  // a JSON answer has no sink
  // @ts-expect-error TS2353
  await client.v3.bill.tradebill.get({ sink: './bill.json', query: { bill_date: '2019-06-11' } });
}

export async function verbNamedSegments(): Promise<void> {
  // apply, bind, return, import, try: plain segments.
  await client.v3.ecommerce.refunds.apply.post({
    json: { sp_appid: 'wx8888888888888888', sub_mchid: '1900000109', transaction_id: '4208450740201411110007820472', combine_transaction_id: '1', out_refund_no: '1', amount: { refund: 1, total: 1 }, funds_account: 'AVAILABLE' },
  });
  await client.v3.merchantStore.stores._store_id_.recipients.bind.post({ store_id: 1234, json: { sub_mchid: '1900000109', store_recipient: [{ mchid: '1900000109' }] } });
  await client.v3.marketing.busifavor.coupons.return.post({ json: { coupon_code: '1', stock_id: '1', return_request_no: '1' } });
  await client.v3.gov.subsidy.zhejiang.authcode.try.post({ json: { sp_serial_no: '1', mchnt_no: '1', term_no: '1', auth_code: '1', category: '1', county_code: '1' } });
  await client.v3.marketing.membercardOpen.phonenumberMember.import.post({
    json: { member_information: { card_id: '1', registration_time: '2020-01-01T00:00:00+08:00' }, encrypted_phone_number: 'xxx' },
    headers: { 'Wechatpay-Serial': 'PUB_KEY_ID_1' },
  });
  // `apply` is the refund segment, not Function.prototype.apply
  // @ts-expect-error TS2349
  client.v3.ecommerce.refunds.apply(null, []);
  // funds_account is an enum
  // @ts-expect-error TS2322
  await client.v3.ecommerce.refunds.apply.post({ json: { sp_appid: '1', transaction_id: '1', combine_transaction_id: '1', out_refund_no: '1', amount: { refund: 1, total: 1 }, funds_account: 'BASIC' } });
  // store_id is a number or a string, never a boolean
  // @ts-expect-error TS2322
  await client.v3.merchantStore.stores._store_id_.recipients.bind.post({ store_id: true, json: { sub_mchid: '1', store_recipient: [] } });
}

export async function verbs(): Promise<void> {
  // DELETE, PATCH and GET on one node.
  const card = client.v3.brand.partner.cardMember.cards._card_id_;
  await card.get({ card_id: 'pbLatjvWOibDc5-TBnbUk1pD12o0', query: { brand_id: '1' } });
  expectType<string>((await card.delete({ card_id: 'pbLatjvWOibDc5-TBnbUk1pD12o0', query: { brand_id: '1' } })).data.card_id);
  await card.deleteAsync({ card_id: 'pbLatjvWOibDc5-TBnbUk1pD12o0', query: { brand_id: '1' } });
  await card.patch({ card_id: 'pbLatjvWOibDc5-TBnbUk1pD12o0', json: { brand_id: '1', card_title: '会员卡' } });
  // DELETE takes no body here
  // @ts-expect-error TS2353
  await card.delete({ card_id: '1', query: { brand_id: '1' }, json: { brand_id: '1' } });
  // no PUT on this node
  // @ts-expect-error TS2339
  await card.put({ card_id: '1' });
  // the DELETE of a coupon code, two variables
  const code = client.v3.marketing.busifavor.stocks._stock_id_.couponcodes._coupon_code_;
  await code.delete({ stock_id: '1', coupon_code: '1', query: { delete_request_no: '1' } });
  // @ts-expect-error TS2345
  await code.get({ stock_id: '1' });
  // optional query only: no options at all is fine
  expectType<string | undefined>((await client.v3.certificates.get()).data.data[0]?.serial_no);
  // algorithm_type is an enum
  // @ts-expect-error TS2322
  await client.v3.certificates.get({ query: { algorithm_type: 'DSA' } });
}

export async function variableSpellings(): Promise<void> {
  const users = client.v3.marketing.busifavor.users;
  const options = { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', query: { appid: 'wx233544546545989' } };
  expectType<number>((await users._openid_.coupons.get(options)).data.total_count);
  await users.$openid$.coupons.get(options);
  await users['{openid}'].coupons.get(options);
  await client.chain('v3/marketing/busifavor/users/{openid}/coupons').get(options);
  await client['v3/marketing/busifavor/users/{openid}/coupons'].getAsync(options);
  await users._openid_.coupons.getAsync(options).then(({ data }) => data.data);
  // coupon_state is an enum
  // @ts-expect-error TS2322
  await users._openid_.coupons.get({ ...options, query: { appid: '1', coupon_state: 'USED_UP' } });
  // missing openid
  // @ts-expect-error TS2345
  await users._openid_.coupons.get({ query: { appid: '1' } });
}

export async function orderQueryAmounts(): Promise<void> {
  // The order queries answer the amounts (fix-up: the description left out total, currency, and on the by-id query payer and amount).
  const byNo = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: '1217752501201407033233368018', query: { mchid: '1230000109' } });
  expectType<number | undefined>(byNo.data.amount?.total);
  const byId = await client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: '4200000001', query: { mchid: '1230000109' } });
  expectType<string | undefined>(byId.data.payer?.openid);
  // @ts-expect-error TS2551
  expectType<number>(byId.data.amount?.totl);
}
