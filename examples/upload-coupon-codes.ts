/**
 * The seed endpoint in the six call styles of wechatpay-php's documentation page: pure chain,
 * chain('...'), and client['...'], each with `await` and with `.then()`. All six send the same signed
 * request; the sandbox keeps the stock's codes, so the answers show the de-duplication at work.
 *
 *   npx tsx examples/upload-coupon-codes.ts
 */
import { run } from './support.js';

run(async ({ client }) => {
  const opts = (code: string) => ({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: `34657_20250101_${code}`, code_list: [`vCode_${code}`, 'vCode_1234567890'] },
  });
  const show = (style: string) => ({ data }: { data: { total_count: number; success_code_list?: string[]; already_exist_code_list?: string[] } }) =>
    console.log(`${style.padEnd(22)} total_count=${data.total_count} success=${JSON.stringify(data.success_code_list ?? [])} already=${JSON.stringify(data.already_exist_code_list ?? [])}`);

  // 1. pure chain, await
  show('chain + await')(await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post(opts('1')));
  // 2. pure chain, .then()
  await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes
    .postAsync(opts('2'))
    .then(show('chain + then'));
  // 3. chain('...'), await
  show('chain() + await')(await client.chain('v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes').post(opts('3')));
  // 4. chain('...'), .then()
  await client.chain('v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes')
    .postAsync(opts('4'))
    .then(show('chain() + then'));
  // 5. client['...'], await
  show('bracket + await')(await client['v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes'].post(opts('5')));
  // 6. client['...'], .then()
  await client['v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes']
    .postAsync(opts('6'))
    .then(show('bracket + then'));
});
