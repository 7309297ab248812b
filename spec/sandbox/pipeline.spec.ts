/**
 * What the sandbox checks of a request beyond its signature, and how it answers APIv2: path, query,
 * headers and body against the schemas (400 PARAM_ERROR with a detail), XML fields, APIv2 pages,
 * redirects, unsigned answers and the APIv2 media upload.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../../lib/errors.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { PNG } from '../integration/support.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: any;
let mchid: string;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
  mchid = s.config.mchid;
});

const detail = (error: unknown) => (error instanceof ApiError ? { status: error.status, code: error.code, detail: error.detail } : error);
const refused = (promise: Promise<unknown>) => promise.then(() => 'accepted', detail);

describe('APIv3 validation', () => {
  const stocks = (query: Record<string, unknown>) => client.v3.marketing.favor.stocks.get({ query: { offset: 0, limit: 10, stock_creator_mchid: mchid, ...query } });

  it('coerces the query to its types, and names a query field that does not fit', async () => {
    expect((await stocks({})).status).toBe(200);
    expect(await refused(stocks({ limit: 'ten' }))).toEqual({ status: 400, code: 'PARAM_ERROR', detail: { field: 'limit', value: 'ten', issue: 'must be integer', location: 'query' } });
    expect(await refused(stocks({ status: 'done' }))).toMatchObject({ detail: { field: 'status', issue: expect.stringContaining('must be one of "unactivated"'), location: 'query' } });
    expect(await refused(stocks({ create_start_time: '2025-01-01 08:00:00' }))).toMatchObject({ detail: { field: 'create_start_time', issue: 'must match format "rfc3339"' } });
    expect(await refused(client.v3.bill.tradebill.get({ query: {} }))).toMatchObject({ detail: { field: 'bill_date', issue: 'is required', location: 'query' } });
  });

  it('names a body field by its JSON pointer: missing, of the wrong type, not JSON at all', async () => {
    const order = { appid: 'wx', mchid, description: 'd', out_trade_no: 'V1', notify_url: 'https://example.com', amount: { total: 1 } };
    expect(await refused(client.v3.pay.transactions.native.post({ json: { ...order, amount: { total: 'one' } } })))
      .toEqual({ status: 400, code: 'PARAM_ERROR', detail: { field: '/amount/total', value: 'one', issue: 'must be integer', location: 'body' } });
    expect(await refused(client.v3.pay.transactions.native.post({ json: { ...order, time_expire: 'tomorrow' } })))
      .toMatchObject({ detail: { field: '/time_expire', issue: 'must match format "rfc3339"' } });
    expect(await refused(client.v3.pay.transactions.native.post({ body: '{"appid":' })))
      .toMatchObject({ status: 400, detail: { field: '/', issue: 'is not valid JSON', location: 'body' } });
    expect(await refused(client.v3.pay.transactions.native.post({}))).toMatchObject({ status: 400, detail: { field: '/', issue: 'is required' } });
  });

  it('requires the headers the description requires', async () => {
    const json = { partner: { type: 'APPID', appid: 'wx4e1916a585d1f4e9' }, authorized_data: { business_type: 'FAVOR_STOCK', stock_id: '2433405' } };
    expect(await refused(client.v3.marketing.partnerships.build.post({ json })))
      .toMatchObject({ status: 400, detail: { field: 'Idempotency-Key', issue: 'is required', location: 'header' } });
    expect((await client.v3.marketing.partnerships.build.post({ json, headers: { 'Idempotency-Key': 'k1' } })).status).toBe(200);
  });

  it('picks, among templates of the same shape, the one whose path variables fit', async () => {
    await client.chain('v3/apply4subject/applyment/{applyment_id}/cancel').post({ applyment_id: '2000002124775691' });
    await client.chain('v3/apply4subject/applyment/{business_code}/cancel').post({ business_code: 'APPLY_2025_A' });
    expect(sandbox.requests.slice(-2).map((r) => r.template)).toEqual([
      'v3/apply4subject/applyment/{applyment_id}/cancel', 'v3/apply4subject/applyment/{business_code}/cancel',
    ]);
  });

  it('refuses a body over 32 MB before reading it all', async () => {
    const answer = await fetch(`${sandbox.baseURL}v3/merchant/media/video_upload`, { method: 'POST', body: Buffer.alloc(32 * 1024 * 1024 + 1) });
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ code: 'PARAM_ERROR' });
  }, 30_000); // 32 MB through a local socket: seconds on a loaded machine

  it('echoes the identifiers a request names in the documented answer', async () => {
    // (An endpoint without a behaviour: profit-sharing orders are state now.)
    const { data } = await client.chain('v3/abnormal-fund-processing/receipts/{receipt_id}').get({ receipt_id: '0100011742874700562078239999' });
    expect(data).toMatchObject({ receipt_id: '0100011742874700562078239999' });
  });
});

describe('APIv2', () => {
  it('checks the XML fields against the schema (as text), answering FAIL with the field', async () => {
    await expect(client.v2.pay.micropay.post({ xml: { appid: 'wx', mch_id: mchid, body: 'b', out_trade_no: '1', total_fee: 'one', spbill_create_ip: '127.0.0.1', auth_code: '134567' } }))
      .rejects.toMatchObject({ code: 'FAIL', message: expect.stringContaining('/total_fee must be integer') });
  });

  it('answers a GET entry page (its fields signed in the query), and the redirect of another', async () => {
    const page = await client.v2.papay.entrustweb.get({ xml: { appid: 'wx', mch_id: mchid, plan_id: '12535', contract_code: '100000', request_serial: '1000', contract_display_account: '微信代扣', notify_url: 'https://example.com', version: '1.0', timestamp: '1414488825' } });
    expect(page.data).toContain('<html>');
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'GET', status: 200, template: 'v2/papay/entrustweb' });
    const redirect = await client.v2.appauth.authindex.get({ xml: { appid: 'wx', mch_id: mchid, sub_mch_id: '1900000109', redirect_uri: 'https://example.com', response_type: 'code', scope: 'pay_identity', state: 'S' }, validateStatus: (status: number) => status === 302 });
    expect([redirect.status, redirect.headers.location]).toEqual([302, expect.stringMatching(/^https:\/\//)]);
  });

  it('answers the unsigned endpoints without a sign (a red packet, over the merchant certificate setting)', async () => {
    const { data } = await client.v2.mmpaymkttransfers.sendredpack.post({ xml: {
      mch_billno: '10000098201411111234567890', mch_id: mchid, wxappid: 'wx8888888888888888', send_name: 'n', re_openid: 'o', total_amount: 1000,
      total_num: 1, wishing: 'w', client_ip: '192.168.0.1', act_name: 'a', remark: 'r',
    } });
    expect(data).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: mchid, mch_billno: '10000098201411111234567890' });
    expect(data.sign).toBeUndefined();
  });

  it('accepts the APIv2 media upload (multipart fields signed, media_hash the MD5 of the file; the client cannot send it), and refuses a wrong hash', async () => {
    const upload = async (hash: string) => {
      const fields: Record<string, string> = { mch_id: mchid, media_hash: hash, sign_type: 'MD5' };
      const text = `${Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join('&')}&key=${sandbox.config.secret}`;
      fields['sign'] = createHash('md5').update(text).digest('hex').toUpperCase();
      const boundary = randomBytes(8).toString('hex');
      const body = Buffer.concat([
        ...Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`), PNG,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const answer = await fetch(`${sandbox.baseURL}secapi/mch/uploadmedia`, { method: 'POST', body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
      return answer.text();
    };
    const ok = await upload(createHash('md5').update(PNG).digest('hex'));
    expect(ok).toMatch(/<return_code>SUCCESS<\/return_code>.*<media_id>[^<]+<\/media_id>/s);
    // A business failure: signed, result_code FAIL with the platform's err_code.
    expect(await upload('0'.repeat(32))).toMatch(/<result_code>FAIL<\/result_code><err_code>PARAM_ERROR<\/err_code><err_code_des>参数错误: body media_hash does not match the file/);
  });
});
