/**
 * Type tests for APIv2 (XML) endpoints: `v2/` templates, `xml` payloads (nonce_str and sign filled in by
 * the SDK), answers parsed from XML (string values). `@ts-expect-error TSnnnn`: see
 * spec/codegen/type-tests.slow.spec.ts.
 */
import type { MultipartLike, V2Media } from '../../lib/types.js';

import type { Builder } from '../../lib/core/builder.js';

declare const client: ReturnType<typeof Builder.factory>;
declare const media: MultipartLike;
declare const file: V2Media;
declare function expectType<T>(value: T): void;

export async function micropay(): Promise<void> {
  const node = client.v2.pay.micropay;
  const options = {
    xml: {
      appid: 'wx8888888888888888',
      mch_id: '1900000109',
      body: 'image形象店-深圳腾大- QQ公仔',
      out_trade_no: '1217752501201407033233368018',
      total_fee: 888,
      spbill_create_ip: '8.8.8.8',
      auth_code: '120061098828009406',
      sign_type: 'HMAC-SHA256',
    },
  } satisfies Parameters<typeof node.post>[0];
  const { data } = await node.post(options);
  expectType<string>(data.total_fee);
  expectType<'SUCCESS' | 'FAIL'>(data.result_code);
  await client.chain('v2/pay/micropay').post(options);
  await client['v2/pay/micropay'].post(options);
  await node.postAsync(options).then(({ data: d }) => expectType<string>(d.transaction_id));
  await client.chain('v2/pay/micropay').postAsync(options);
  await client['v2/pay/micropay'].postAsync(options);
  // XML travels as text: numbers may be written as strings
  await node.post({ xml: { ...options.xml, total_fee: '888' } });
  // the SDK options of APIv2
  await node.post({ ...options, nonceless: true, security: false });
  // a required field is missing
  // @ts-expect-error TS2741
  await node.post({ xml: { appid: '1', mch_id: '1', body: '1', out_trade_no: '1', total_fee: 1, spbill_create_ip: '1' } });
  // a misspelled field
  // @ts-expect-error TS2561
  await node.post({ xml: { ...options.xml, auth_cod: '1' } });
  // sign_type is an enum
  // @ts-expect-error TS2322
  await node.post({ xml: { ...options.xml, sign_type: 'SHA1' } });
  // APIv2 takes `xml`, not `json`
  // @ts-expect-error TS2353
  await node.post({ json: options.xml });
  // answer values are strings, even the amounts
  // @ts-expect-error TS2322
  const fee: number = data.total_fee;
  void fee;
}

export async function orderqueryNumberedFields(): Promise<void> {
  const { data } = await client.v2.pay.orderquery.post({ xml: { appid: 'wx8888888888888888', mch_id: '1900000109', out_trade_no: '1217752501201407033233368018' } } as Parameters<typeof client.v2.pay.orderquery.post>[0]);
  // `coupon_id_$n` fields: coupon_id_0, coupon_id_1...
  expectType<string | undefined>(data.coupon_id_0);
  expectType<string | undefined>(data.coupon_fee_1);
  // not a numbered field
  // @ts-expect-error TS2339|TS2551
  void data.coupon_id_x;
}

export async function refundNeedsCertificate(): Promise<void> {
  const node = client.v2.secapi.pay.refund;
  const options = {
    xml: { appid: 'wx8888888888888888', mch_id: '1900000109', transaction_id: '1', out_trade_no: '1', out_refund_no: '1', total_fee: 100, refund_fee: 100 },
    security: true,
  };
  expectType<'SUCCESS' | 'FAIL'>((await node.post(options)).data.return_code);
  await client.chain('v2/secapi/pay/refund').post(options);
  await client['v2/secapi/pay/refund'].post(options);
  await node.postAsync(options);
  await client.chain('v2/secapi/pay/refund').postAsync(options);
  await client['v2/secapi/pay/refund'].postAsync(options);
  // the path starts with v2/
  // @ts-expect-error TS2339
  void client.secapi;
  // security is a boolean
  // @ts-expect-error TS2322
  await node.post({ ...options, security: 'yes' });
}

export async function downloadbillIsText(): Promise<void> {
  const node = client.v2.pay.downloadbill;
  const options = { xml: { appid: 'wx8888888888888888', mch_id: '1900000109', bill_date: '20140603', bill_type: 'ALL' as const } };
  expectType<string | Buffer>((await node.post(options)).data);
  await client.chain('v2/pay/downloadbill').post(options);
  await client['v2/pay/downloadbill'].post(options);
  await node.postAsync(options).then(({ data }) => (typeof data === 'string' ? data.length : data.byteLength));
  await client.chain('v2/pay/downloadbill').postAsync(options);
  await client['v2/pay/downloadbill'].postAsync(options);
  // bill_type is an enum
  // @ts-expect-error TS2322
  await node.post({ xml: { ...options.xml, bill_type: 'EVERYTHING' } });
  // sink: the bill saved to a file, data the path
  expectType<string>((await node.post({ sink: './somehowfile.csv.gz', ...options })).data);
  expectType<string>((await client.v2.pay.downloadfundflow.postAsync({
    sink: './fundflow.csv', security: true, xml: { appid: 'wx8888888888888888', mch_id: '1900000109', sign_type: 'HMAC-SHA256', bill_date: '20140603', account_type: 'Basic' },
  })).data);
}

export async function getWithQuery(): Promise<void> {
  const node = client.v2.papay.h5entrustweb;
  const query = {
    appid: 'wxcbda96de0b165486', mch_id: '1200009811', plan_id: '12535', contract_code: '100000', request_serial: 1000,
    contract_display_account: '微信代扣', notify_url: 'https://weixin.qq.com', version: '1.0', timestamp: '1414488825', clientip: '119.145.83.6',
  };
  expectType<string | undefined>((await node.get({ query })).data.redirect_url);
  await client.chain('v2/papay/h5entrustweb').get({ query });
  await client['v2/papay/h5entrustweb'].get({ query });
  await node.getAsync({ query });
  await client.chain('v2/papay/h5entrustweb').getAsync({ query });
  await client['v2/papay/h5entrustweb'].getAsync({ query });
  // a GET endpoint has no POST
  // @ts-expect-error TS2339
  await node.post({ query });
  // request_serial is a number
  // @ts-expect-error TS2322
  await node.get({ query: { ...query, request_serial: [1] } });
}

export async function redpack(): Promise<void> {
  const node = client.v2.mmpaymkttransfers.sendredpack;
  const xml = {
    mch_billno: '10000098201411111234567890', mch_id: '10000098', wxappid: 'wx8888888888888888', send_name: '天虹百货', re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    total_amount: 1000, total_num: 1, wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！', client_ip: '192.168.0.1', act_name: '猜灯谜抢红包活动', remark: '猜越多得越多，快来抢！',
  };
  await node.post({ xml, security: true });
  await client.chain('v2/mmpaymkttransfers/sendredpack').post({ xml });
  await client['v2/mmpaymkttransfers/sendredpack'].post({ xml });
  await node.postAsync({ xml });
  await client.chain('v2/mmpaymkttransfers/sendredpack').postAsync({ xml });
  await client['v2/mmpaymkttransfers/sendredpack'].postAsync({ xml });
  // scene_id is an enum ("did you mean" when one is close)
  // @ts-expect-error TS2322|TS2820
  await node.post({ xml: { ...xml, scene_id: 'PRODUCT_9' } });
}

export async function upload(): Promise<void> {
  expectType<string>((await client.v2.secapi.mch.uploadmedia.post({ multipart: file })).data.media_id);
  await client.chain('v2/secapi/mch/uploadmedia').postAsync({ multipart: file, xml: { sign_type: 'HMAC-SHA256' } });
  await client['v2/secapi/mch/uploadmedia'].post({ multipart: file, xml: { mch_id: '1900000109' } });
  // the file is required
  // @ts-expect-error TS2345
  await client.v2.secapi.mch.uploadmedia.post({});
  // a hand-made multipart body is not enough: the SDK signs the MediaUtil's MD5 as media_hash
  // @ts-expect-error TS2740
  await client.v2.secapi.mch.uploadmedia.post({ multipart: media });
  // media_hash is the SDK's to compute
  // @ts-expect-error TS2353
  await client.v2.secapi.mch.uploadmedia.post({ multipart: file, xml: { media_hash: 'x' } });
}

export async function capitalSegment(): Promise<void> {
  // `addInstitutionsub` has a capital: no property produces it (a capital X becomes `-x`), so it is typed
  // through chain() and brackets only.
  type Options = Parameters<ReturnType<typeof client.chain<'v2/secapi/mch/addInstitutionsub'>>['post']>[0];
  const xml = {} as Options['xml'];
  await client.chain('v2/secapi/mch/addInstitutionsub').post({ xml });
  await client['v2/secapi/mch/addInstitutionsub'].post({ xml });
  await client.chain('v2/secapi/mch/addInstitutionsub').postAsync({ xml });
  await client['v2/secapi/mch/addInstitutionsub'].postAsync({ xml });
  // not in the property tree
  // @ts-expect-error TS2339
  void client.v2.secapi.mch.addInstitutionsub;
  // merchant_type is an enum
  // @ts-expect-error TS2322
  await client.chain('v2/secapi/mch/addInstitutionsub').post({ xml: { ...xml, merchant_type: 'PERSONAL' } });
}
