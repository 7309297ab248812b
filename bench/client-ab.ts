/**
 * Two builds of the client side by side in one process, against raw node:crypto sign + verify (bench/client.ts's
 * call, in-process adapter): CPU time per call (process.cpuUsage, user + system) in alternating batches, so that a
 * loaded machine weighs on all three alike. "before" is the other build, "after" this tree's dist.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && ln -s "$PWD/../main/node_modules" . && npm run build)
 *   npm run build && npx tsx bench/client-ab.ts 60 /tmp/before/dist/esm/index.js
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
const other = process.argv[3];
if (!other) throw new Error('usage: npx tsx bench/client-ab.ts <rounds> <another build: /path/to/dist/esm/index.js>');
const A = (await import(other)) as typeof import('../lib/index.js');
const B = (await import(new URL('../dist/esm/index.js', import.meta.url).href)) as typeof import('../lib/index.js');
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const body = JSON.stringify({ total_count: 1, success_code_list: ['vCode_1234567890'] });
const json = { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] };
const target = '/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001/upload-coupon-codes';
let answer = { timestamp: '', headers: {} as Record<string, string> };
function signedAnswer() {
  const timestamp = String(Math.floor(Date.now() / 1000));
  if (answer.timestamp !== timestamp) {
    const nonce = randomBytes(16).toString('hex');
    const signature = sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), platform.privateKey).toString('base64');
    answer = { timestamp, headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-serial': 'PLATFORM', 'wechatpay-signature': signature } };
  }
  return answer.headers;
}
const payload = Buffer.from(body);
const adapter = async (config: any) => ({ status: 200, statusText: 'OK', headers: signedAnswer(), data: payload, config });
const make = (lib: typeof A) => lib.Builder.factory({ mchid: '1230000109', serial: 'MERCHANT', privateKey: merchant.privateKey, certs: { PLATFORM: platform.publicKey }, adapter }) as any;
const clients = { before: make(A), after: make(B) };
const via = (client: any) => async () => {
  const r = await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({ product_coupon_id: '1000000013', stock_id: '1000000013001', json });
  if (r.data.total_count !== 1) throw new Error('x');
};
async function raw() {
  const headers = signedAnswer();
  sign('sha256', Buffer.from(`POST\n${target}\n${Math.floor(Date.now() / 1000)}\n${randomBytes(16).toString('hex')}\n${JSON.stringify(json)}\n`), merchant.privateKey).toString('base64');
  if (!verify('sha256', Buffer.from(`${headers['wechatpay-timestamp']}\n${headers['wechatpay-nonce']}\n${body}\n`), platform.publicKey, Buffer.from(headers['wechatpay-signature']!, 'base64'))) throw new Error('v');
  JSON.parse(body);
}
const fns: Record<string, () => Promise<void>> = { raw, before: via(clients.before), after: via(clients.after) };
for (let i = 0; i < 400; i++) for (const f of Object.values(fns)) await f();
const cpu: Record<string, number[]> = { raw: [], before: [], after: [] };
const batch = 100;
const rounds = Number(process.argv[2] ?? 30);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ['raw', 'before', 'after'] : ['after', 'before', 'raw'];
  for (const name of order) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) await fns[name]!();
    const c = process.cpuUsage(c0);
    cpu[name]!.push((c.user + c.system) / batch);
  }
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const ratios = (n: string) => med(cpu[n]!.map((v, i) => v / cpu['raw']![i]!));
console.log(`CPU us/call (median of ${rounds} batches of ${batch}): raw ${med(cpu.raw!).toFixed(0)}, before ${med(cpu.before!).toFixed(0)}, after ${med(cpu.after!).toFixed(0)}; ` +
  `ratio to raw: before ${ratios('before').toFixed(3)}, after ${ratios('after').toFixed(3)}; after/before ${med(cpu.after!.map((v, i) => v / cpu.before![i]!)).toFixed(3)}; overhead above raw: before ${(med(cpu.before!) - med(cpu.raw!)).toFixed(0)} us, after ${(med(cpu.after!) - med(cpu.raw!)).toFixed(0)} us`);
