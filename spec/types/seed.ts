/**
 * Type tests for the seed endpoint (wechatpay-php's docs page upload-coupon-codes.md), compiled by
 * `npm run typecheck`. Each `@ts-expect-error` names the error code(s) it stands for; the spec
 * spec/codegen/type-tests.slow.spec.ts checks that the line fails with exactly those codes.
 */

import type { Builder } from '../../lib/core/builder.js';

declare const client: ReturnType<typeof Builder.factory>;
declare function expectType<T>(value: T): void;

const TEMPLATE = 'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes';

export async function sixStyles(): Promise<void> {
  // 1. chain, await
  const r1 = await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
  });
  expectType<number>(r1.data.total_count);
  expectType<string[] | undefined>(r1.data.success_code_list);

  // 2. chain(), await
  const r2 = await client.chain(TEMPLATE).post({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
  });
  expectType<number>(r2.data.total_count);

  // 3. bracket, await
  const r3 = await client['v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes'].post({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
  });
  expectType<number>(r3.data.total_count);

  // 4. chain, .then()
  await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.postAsync({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
  }).then(({ data }) => expectType<number>(data.total_count));

  // 5. chain(), .then()
  await client.chain(TEMPLATE).postAsync({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
  }).then(({ data }) => expectType<number>(data.total_count));

  // 6. bracket, .then()
  await client[TEMPLATE].postAsync({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
  }).then(({ data }) => expectType<number>(data.total_count));

  // The three spellings of a path variable name the same node; so do the other transport options.
  const node = client.v3.marketing.partner.productCoupon.productCoupons;
  expectType<typeof node._product_coupon_id_>(node.$product_coupon_id$);
  expectType<typeof node._product_coupon_id_>(node['{product_coupon_id}']);
  await node._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: [] },
    headers: { 'X-Trace': 'abc' },
    timeout: 5000,
  });
}

export async function rejects(): Promise<void> {
  const seed = client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes;
  const json = { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] };
  // missing stock_id
  // @ts-expect-error TS2345
  await seed.post({ product_coupon_id: '1000000013', json });
  // missing stock_id, chain() style
  // @ts-expect-error TS2345
  await client.chain(TEMPLATE).post({ product_coupon_id: '1000000013', json });
  // missing body
  // @ts-expect-error TS2345
  await seed.post({ product_coupon_id: '1000000013', stock_id: '1000000013001' });
  // no options at all
  // @ts-expect-error TS2554
  await seed.post();
  // a misspelled body field
  // @ts-expect-error TS2561
  await seed.post({ product_coupon_id: '1', stock_id: '1', json: { brand_id: '1', out_request_no: '1', code_lists: ['x'] } });
  // an unknown body field
  // @ts-expect-error TS2353
  await seed.post({ product_coupon_id: '1', stock_id: '1', json: { ...json, brand: '1' } });
  // a misspelled option key
  // @ts-expect-error TS2561
  await seed.post({ product_coupon_id: '1', stock_id: '1', jsn: json });
  // a wrong field type
  // @ts-expect-error TS2322
  await seed.post({ product_coupon_id: '1', stock_id: '1', json: { ...json, code_list: 'vCode_1234567890' } });
  // a wrong path variable type
  // @ts-expect-error TS2322
  await seed.post({ product_coupon_id: 1000000013, stock_id: '1', json });
  // a typo in the chain ("did you mean" when close to a known name)
  // @ts-expect-error TS2339|TS2551
  void client.v3.marketing.partner.productCoupon.productCoupon;
  // a typo at the root
  // @ts-expect-error TS2339|TS2551
  void client.v3typo;
  // a typo in a bracket template (no string index at the root)
  // @ts-expect-error TS2551|TS7053
  void client['v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-code'];
  // a verb the endpoint lacks
  // @ts-expect-error TS2339
  await seed.get({ product_coupon_id: '1', stock_id: '1' });
  // ... and its async name
  // @ts-expect-error TS2339
  await seed.deleteAsync({ product_coupon_id: '1', stock_id: '1' });
  // the response field is a number
  const { data } = await seed.post({ product_coupon_id: '1', stock_id: '1', json });
  // @ts-expect-error TS2322
  const wrong: string = data.total_count;
  void wrong;
}
