/**
 * The sandbox's answers match the API description's response schemas: every documented example answer in
 * lib/generated/sandbox.json, and the answers the behaviours build from state (orders, refunds,
 * certificates, bills, coupon codes, uploads), checked with ajv against the model the generator reads.
 */
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { FORMATS, loadData } from '../../lib/sandbox/data.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { openapiDir } from '../../scripts/codegen/data-dir.js';
import { loadSource } from '../../scripts/codegen/load.js';
import { buildModel, type Endpoint } from '../../scripts/codegen/model.js';
import { sandboxSchema } from '../../scripts/codegen/emit-sandbox.js';
import { PNG } from '../integration/support.js';
import { withSandbox } from '../support/sandbox.js';

const root = join(__dirname, '..', '..');

let endpoints: Endpoint[];
const ajv = new Ajv({ strict: false, validateSchema: false, logger: false, allErrors: false, coerceTypes: false });
const xmlAjv = new Ajv({ strict: false, validateSchema: false, logger: false, allErrors: false, coerceTypes: true });
for (const [name, pattern] of Object.entries(FORMATS)) {
  ajv.addFormat(name, pattern);
  xmlAjv.addFormat(name, pattern);
}

beforeAll(() => {
  endpoints = buildModel(loadSource(openapiDir(root))).endpoints;
}, 60_000);

const validators = new Map<string, ValidateFunction>();
function answerValidator(method: string, template: string): ValidateFunction {
  const key = `${method} ${template}`;
  let validate = validators.get(key);
  if (!validate) {
    const endpoint = endpoints.find((e) => e.method === method && e.template === template);
    if (!endpoint?.response.schema) throw new Error(`${key} has no response schema`);
    validate = (endpoint.area === 'v2' ? xmlAjv : ajv).compile(sandboxSchema(endpoint.response.schema));
    validators.set(key, validate);
  }
  return validate;
}

/** Why `answer` does not match the endpoint's response schema (undefined: it does). */
function mismatch(method: string, template: string, answer: unknown): string | undefined {
  const validate = answerValidator(method, template);
  if (validate(JSON.parse(JSON.stringify(answer)))) return undefined;
  const error = validate.errors![0]!;
  return `${method} ${template}: ${error.instancePath || '/'} ${error.message}`;
}

describe('the documented example answers', () => {
  it('match their response schemas, for every endpoint answering JSON or XML', () => {
    const data = loadData();
    const checked = data.endpoints.filter((e) => (e.response.kind === 'json' || e.response.kind === 'xml') && e.example.answer !== undefined);
    expect(checked.length).toBeGreaterThan(1000);
    const wrong = checked.map((e) => mismatch(e.method, e.template, e.example.answer)).filter(Boolean);
    expect(wrong).toEqual([]);
  });
});

describe('the answers built from state', () => {
  let sandbox: Sandbox;
  let client: any;
  withSandbox((s, c) => {
    sandbox = s;
    client = c;
  });

  it('match their response schemas: orders, refunds, certificates, bills, coupon codes, uploads', async () => {
    const answers: Array<[string, string, unknown]> = [];
    const call = async (method: string, template: string, options: Record<string, unknown>) => {
      const { data } = await client.chain(template)[method](options);
      answers.push([method, template, data]);
      return data;
    };
    const mchid = sandbox.config.mchid;
    const order = (no: string) => ({ appid: 'wxd678efh567hg6787', mchid, description: 'd', out_trade_no: no, notify_url: 'https://example.com/n', amount: { total: 100 } });
    await call('post', 'v3/pay/transactions/jsapi', { json: { ...order('S1'), payer: { openid: 'o1' } } });
    await call('post', 'v3/pay/transactions/native', { json: order('S2') });
    await call('post', 'v3/pay/transactions/h5', { json: { ...order('S3'), scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } } } });
    await call('post', 'v3/pay/transactions/app', { json: order('S4') });
    await call('get', 'v3/pay/transactions/out-trade-no/{out_trade_no}', { out_trade_no: 'S1', query: { mchid } });
    const { transaction } = await sandbox.pay('S1');
    await call('get', 'v3/pay/transactions/out-trade-no/{out_trade_no}', { out_trade_no: 'S1', query: { mchid } });
    await call('get', 'v3/pay/transactions/id/{transaction_id}', { transaction_id: transaction['transaction_id'], query: { mchid } });
    const partner = { sp_appid: 'wx8888888888888888', sp_mchid: mchid, sub_mchid: '1900000109', description: 'd', out_trade_no: 'S5', notify_url: 'https://example.com/n', amount: { total: 100 }, payer: { sp_openid: 'o' } };
    await call('post', 'v3/pay/partner/transactions/jsapi', { json: partner });
    await call('get', 'v3/pay/partner/transactions/out-trade-no/{out_trade_no}', { out_trade_no: 'S5', query: { sp_mchid: mchid, sub_mchid: '1900000109' } });
    await call('post', 'v3/refund/domestic/refunds', { json: { out_trade_no: 'S1', out_refund_no: 'SR1', amount: { refund: 10, total: 100, currency: 'CNY' } } });
    await call('get', 'v3/refund/domestic/refunds/{out_refund_no}', { out_refund_no: 'SR1' });
    await call('get', 'v3/certificates', {});
    await call('get', 'v3/bill/tradebill', { query: { bill_date: '2025-01-01', tar_type: 'GZIP' } });
    await call('get', 'v3/bill/fundflowbill', { query: { bill_date: '2025-01-01' } });
    await call('post', 'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes', {
      product_coupon_id: '1', stock_id: '2', json: { brand_id: '3', out_request_no: '4', code_list: ['a', 'a', 'b c'] },
    });
    const { MediaUtil } = await import('../../lib/util/media.js');
    for (const template of ['v3/merchant/media/upload', 'v3/marketing/favor/media/image-upload', 'v3/merchant-service/images/upload']) {
      await call('post', template, { multipart: new MediaUtil('a.png', PNG) });
    }
    expect(answers).toHaveLength(18);
    expect(answers.map(([method, template, answer]) => mismatch(method, template, answer)).filter(Boolean)).toEqual([]);
  });
});
