/**
 * The seed (upload coupon codes), in the six styles of its documentation, against the sandbox over
 * 127.0.0.1; then the stock's state across calls.
 */
import { Builder } from '../../lib/core/builder.js';
import { ApiError } from '../../lib/errors.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: ReturnType<typeof Builder.factory>;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});

const TEMPLATE = 'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes';
const request = {
  product_coupon_id: '1000000013',
  stock_id: '1000000013001',
  json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
};

describe('the seed in its six styles', () => {
  it('answers every style with the same verified answer (the call is idempotent per out_request_no)', async () => {
    const chain = client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes;
    const answers = [
      (await chain.post(request)).data,
      (await client.chain(TEMPLATE).post(request)).data,
      (await client[TEMPLATE].post(request)).data,
      await chain.postAsync(request).then(({ data }) => data),
      await client.chain(TEMPLATE).postAsync(request).then(({ data }) => data),
      await client[TEMPLATE].postAsync(request).then(({ data }) => data),
    ];
    expect(answers[0]).toEqual({
      total_count: 1,
      success_code_list: ['vCode_1234567890'],
      failed_code_list: [],
      already_exist_code_list: [],
      duplicate_code_list: [],
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    const seen = sandbox.requests.filter((r) => r.template === TEMPLATE);
    expect(seen.map((r) => [r.method, r.target, r.status])).toEqual(Array(6).fill([
      'POST', '/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001/upload-coupon-codes', 200,
    ]));
  });
});

describe('coupon codes kept per stock', () => {
  const upload = (stockId: string, outRequestNo: string, codeList: string[]) =>
    client.chain(TEMPLATE).post({ product_coupon_id: '2000', stock_id: stockId, json: { brand_id: '120344', out_request_no: outRequestNo, code_list: codeList } });

  it('sorts codes into success, duplicate (within a call), already existing (across calls) and failed', async () => {
    const first = await upload('S1', 'r1', ['A1', 'A2', 'A1', 'A3', 'A2', 'A1']);
    expect(first.data).toEqual({
      total_count: 3,
      success_code_list: ['A1', 'A2', 'A3'],
      failed_code_list: [],
      already_exist_code_list: [],
      duplicate_code_list: ['A1', 'A2'],
    });
    const second = await upload('S1', 'r2', ['A3', 'B1', 'B1', 'bad code!', 'A1', 'x'.repeat(33)]);
    expect(second.data).toEqual({
      total_count: 5,
      success_code_list: ['B1'],
      failed_code_list: ['bad code!', 'x'.repeat(33)],
      already_exist_code_list: ['A3', 'A1'],
      duplicate_code_list: ['B1'],
    });
    // Another stock has its own codes.
    expect((await upload('S2', 'r1', ['A1'])).data).toMatchObject({ total_count: 1, success_code_list: ['A1'], already_exist_code_list: [] });
  });

  it('replays an out_request_no with the same body, and refuses it with another', async () => {
    const first = await upload('S3', 'same', ['C1', 'C2']);
    const again = await upload('S3', 'same', ['C1', 'C2']);
    expect(again.data).toEqual(first.data);
    expect(again.data.success_code_list).toEqual(['C1', 'C2']);
    await expect(upload('S3', 'same', ['C3'])).rejects.toMatchObject({ constructor: ApiError, status: 400, code: 'INVALID_REQUEST' });
    // The refused call added nothing.
    expect((await upload('S3', 'later', ['C3'])).data.success_code_list).toEqual(['C3']);
  });

  it('checks the body against the schema: a missing field, a wrong type, too many codes', async () => {
    const post = (json: unknown) => client.chain(TEMPLATE).post({ product_coupon_id: '2000', stock_id: 'S4', json } as never);
    await expect(post({ brand_id: '120344', code_list: ['a'] })).rejects.toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: '/out_request_no', issue: 'is required', location: 'body' },
    });
    await expect(post({ brand_id: 120344, out_request_no: 'r', code_list: ['a'] })).rejects.toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: '/brand_id', value: 120344, location: 'body' },
    });
    await expect(post({ brand_id: '1', out_request_no: 'r', code_list: Array.from({ length: 1001 }, (_, i) => `c${i}`) })).rejects.toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: '/code_list' },
    });
  });
});
