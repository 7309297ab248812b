/**
 * The call bench/client.ts and bench/client-ab.ts measure: a coupon-code upload through the client with an
 * in-process adapter (no network) answering as the platform does, and its floor, raw node:crypto sign + verify
 * of the same strings.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import type { AxiosAdapter } from 'axios';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const body = JSON.stringify({ total_count: 1, success_code_list: ['vCode_1234567890'] });
const json = { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] };
const target = '/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001/upload-coupon-codes';

/** A platform answer signed once per second of wall clock (the signature cost is the platform's, not ours). */
let answer = { timestamp: '', headers: {} as Record<string, string> };
function signedAnswer() {
  const timestamp = String(Math.floor(Date.now() / 1000));
  if (answer.timestamp !== timestamp) {
    const nonce = randomBytes(16).toString('hex');
    const signature = sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), platform.privateKey).toString('base64');
    answer = {
      timestamp,
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': timestamp,
        'wechatpay-nonce': nonce,
        'wechatpay-serial': 'PLATFORM',
        'wechatpay-signature': signature,
      },
    };
  }
  return answer.headers;
}
const payload = Buffer.from(body);
const adapter: AxiosAdapter = async (config) => ({ status: 200, statusText: 'OK', headers: signedAnswer(), data: payload, config });

/** What Builder.factory takes for a client of this call (any build's Builder). */
export const clientOptions = {
  mchid: '1230000109',
  serial: 'MERCHANT',
  privateKey: merchant.privateKey,
  certs: { PLATFORM: platform.publicKey },
  adapter,
};

/** The call through a client made from clientOptions. */
export function callThrough(client: any): () => Promise<void> {
  return async () => {
    const response = await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({
      product_coupon_id: '1000000013',
      stock_id: '1000000013001',
      json,
    });
    if (response.data.total_count !== 1) throw new Error('unexpected answer');
  };
}

/** The floor: the same signing and verification with node:crypto alone. */
export async function raw(): Promise<void> {
  const headers = signedAnswer();
  const message = `POST\n${target}\n${Math.floor(Date.now() / 1000)}\n${randomBytes(16).toString('hex')}\n${JSON.stringify(json)}\n`;
  sign('sha256', Buffer.from(message), merchant.privateKey).toString('base64');
  const signed = Buffer.from(`${headers['wechatpay-timestamp']}\n${headers['wechatpay-nonce']}\n${body}\n`);
  if (!verify('sha256', signed, platform.publicKey, Buffer.from(headers['wechatpay-signature']!, 'base64'))) throw new Error('raw verify failed');
  JSON.parse(body);
}
