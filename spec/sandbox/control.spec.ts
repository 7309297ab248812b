/** The control API under /__sandbox/: plain JSON over HTTP, for tests and for curl. */
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: any;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});

const control = async (method: string, path: string, body?: string) => {
  const response = await fetch(`${sandbox.baseURL}__sandbox${path}`, { method, ...(body === undefined ? {} : { body }) });
  return { status: response.status, body: await response.json() as any };
};

describe('the control API', () => {
  it('describes the sandbox: config (sandbox.json), endpoints, behaviours, faults, settings', async () => {
    const { status, body } = await control('GET', '');
    expect(status).toBe(200);
    expect(body).toMatchObject({ baseURL: sandbox.baseURL, mchid: sandbox.config.mchid, config: sandbox.config, endpoints: 1154, faults: [], settings: { signWith: 'certificate' } });
    expect(body.behaviours).toContain('post v3/pay/transactions/jsapi');
    expect((await control('GET', '/config')).body).toEqual(sandbox.config);
  });

  it('lists the requests handled (control calls aside), and clears the list', async () => {
    await client.v3.certificates.get();
    await client.v3.pay.transactions.native.post({ json: {} }).catch(() => undefined);
    const { body } = await control('GET', '/requests');
    expect(body.slice(-2)).toEqual([
      expect.objectContaining({ method: 'GET', target: '/v3/certificates', template: 'v3/certificates', status: 200, id: expect.stringMatching(/^08/) }),
      expect.objectContaining({ method: 'POST', target: '/v3/pay/transactions/native', status: 400, code: 'PARAM_ERROR' }),
    ]);
    expect(body.every((r: { target: string }) => !r.target.startsWith('/__sandbox'))).toBe(true);
    await control('DELETE', '/requests');
    expect(sandbox.requests).toEqual([]);
  });

  it('pays orders and shows them; reset forgets them', async () => {
    await client.v3.pay.transactions.native.post({ json: { appid: 'wx', mchid: sandbox.config.mchid, description: 'd', out_trade_no: 'CT1', notify_url: 'https://example.com', amount: { total: 5 } } });
    expect((await control('GET', '/orders/CT1')).body).toMatchObject({ out_trade_no: 'CT1', trade_state: 'NOTPAY' });
    expect((await control('POST', '/pay', JSON.stringify({ out_trade_no: 'CT1' }))).body.transaction).toMatchObject({ trade_state: 'SUCCESS' });
    expect(await control('POST', '/pay', JSON.stringify({ out_trade_no: 'CT1' }))).toMatchObject({ status: 400, body: { code: 'SANDBOX_ERROR', message: expect.stringContaining('SUCCESS') } });
    expect((await control('GET', '/orders')).body.map((o: { out_trade_no: string }) => o.out_trade_no)).toEqual(['CT1']);
    expect((await control('POST', '/reset')).body).toEqual({ reset: true });
    expect(await control('GET', '/orders/CT1')).toMatchObject({ status: 404 });
  });

  it('switches the signing key', async () => {
    expect((await control('PUT', '/settings', JSON.stringify({ signWith: 'public-key' }))).body).toEqual({ signWith: 'public-key' });
    expect((await client.v3.certificates.get()).headers['wechatpay-serial']).toBe(sandbox.platform.publicKeyId);
    await control('PUT', '/settings', JSON.stringify({ signWith: 'certificate' }));
    expect(await control('PUT', '/settings', JSON.stringify({ signWith: 'hmac' }))).toMatchObject({ status: 400 });
  });

  it('refuses what it does not know, and bodies that are not JSON objects', async () => {
    expect(await control('GET', '/nothing')).toMatchObject({ status: 404, body: { code: 'SANDBOX_ERROR' } });
    expect(await control('POST', '/pay', '[1]')).toMatchObject({ status: 400, body: { message: 'The body must be a JSON object' } });
    expect(await control('POST', '/pay', '{}')).toMatchObject({ status: 400, body: { message: 'out_trade_no is required (a string)' } });
    expect(await control('POST', '/notify', JSON.stringify({ url: 'ftp://example.com' }))).toMatchObject({ status: 400 });
  });
});
