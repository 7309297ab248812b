/**
 * Pre-uploaded coupon codes (`POST v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes`),
 * kept per stock:
 *
 * - `duplicate_code_list`: codes given more than once in this call (each listed once);
 * - `already_exist_code_list`: codes the stock held before this call;
 * - `failed_code_list`: codes that are not 1 to 32 characters of letters, digits, `-` and `_` (the sandbox's rule);
 * - `success_code_list`: the rest, now in the stock;
 * - `total_count`: the distinct codes of this call (after de-duplication).
 *
 * The call is idempotent per `out_request_no`: the same request again gets the same answer; the same
 * `out_request_no` with another body is refused.
 */
import type { Handler, Runtime } from '../call.js';
import type { ControlRoute } from '../control.js';
import type { CouponStockView } from '../types.js';
import { json } from '../answers.js';
import { invalidRequest, paramError } from '../errors.js';

const CODE = /^[0-9A-Za-z_-]{1,32}$/;
const MAX_CODES = 1000;

const upload: Handler = (call) => {
  const body = call.body as { brand_id: string; out_request_no: string; code_list: string[] };
  const { product_coupon_id: coupon, stock_id: stockId } = call.vars;
  if (body.code_list.length > MAX_CODES) throw paramError('body', '/code_list', `must NOT have more than ${MAX_CODES} items`);
  const key = `${coupon}|${stockId}`;
  const state = call.runtime.state;
  const stock = state.coupons.get(key) ?? { codes: new Set<string>(), requests: new Map() };
  const fingerprint = JSON.stringify(body);
  const earlier = stock.requests.get(body.out_request_no);
  if (earlier) {
    if (earlier.fingerprint !== fingerprint) throw invalidRequest(`out_request_no ${body.out_request_no} was used for another upload`);
    return json(earlier.answer);
  }
  const seen = new Set<string>();
  const duplicate = new Set<string>();
  const success: string[] = [];
  const failed: string[] = [];
  const existing: string[] = [];
  for (const code of body.code_list) {
    if (seen.has(code)) {
      duplicate.add(code);
      continue;
    }
    seen.add(code);
    if (!CODE.test(code)) failed.push(code);
    else if (stock.codes.has(code)) existing.push(code);
    else success.push(code);
  }
  const answer = {
    total_count: seen.size,
    success_code_list: success,
    failed_code_list: failed,
    already_exist_code_list: existing,
    duplicate_code_list: [...duplicate],
  };
  state.addCodes(key, success, { no: body.out_request_no, fingerprint, answer });
  return json(answer);
};

export const couponBehaviours: Record<string, Handler> = {
  'post v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes': upload,
};

/** The coupon stocks and their codes (`GET /__sandbox/coupons`). */
export function couponsView(runtime: Runtime): CouponStockView[] {
  return [...runtime.state.coupons].map(([key, stock]) => {
    const [product, stockId] = key.split('|');
    return { product_coupon_id: product!, stock_id: stockId!, codes: [...stock.codes], uploads: stock.requests.size };
  });
}

export const couponRoutes: readonly ControlRoute[] = [
  { method: 'GET', path: 'coupons', summary: 'coupon stocks and their codes', handle: ({ sandbox }) => sandbox.coupons() },
];
