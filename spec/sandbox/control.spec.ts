/** The control API under /__sandbox/: plain JSON over HTTP, for tests and for curl. */
import { request } from 'node:http';
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
    expect((await control('PUT', '/settings', JSON.stringify({ signWith: 'public-key' }))).body).toEqual({ signWith: 'public-key', refunds: 'succeed' });
    expect((await client.v3.certificates.get()).headers['wechatpay-serial']).toBe(sandbox.platform.publicKeyId);
    await control('PUT', '/settings', JSON.stringify({ signWith: 'certificate' }));
    expect(await control('PUT', '/settings', JSON.stringify({ signWith: 'hmac' }))).toMatchObject({ status: 400 });
  });

  it('answers 400 to a name that is not valid percent-encoding (not 500)', async () => {
    expect(await control('GET', '/orders/%ZZ')).toMatchObject({ status: 400, body: { code: 'SANDBOX_ERROR', message: expect.stringContaining('percent-encoding') } });
    expect(await control('GET', '/media/%E4%B8')).toMatchObject({ status: 400 });
    expect(await control('GET', '/orders/%E4%B8%AD')).toMatchObject({ status: 404, body: { message: 'No order 中' } });
  });

  it('answers only at the sandbox’s own address, and refuses changes from another origin', async () => {
    const { port } = new URL(sandbox.baseURL);
    const raw = (path: string, headers: Record<string, string>, method = 'GET') => new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    // DNS rebinding: a page of evil.example that resolves to 127.0.0.1.
    expect(await raw('/__sandbox/files/apiclient_key.pem', { Host: `evil.example:${port}` })).toBe(421);
    expect(await raw('/', { Host: `evil.example:${port}` })).toBe(421);
    expect(await raw('/__sandbox/config', { Host: `localhost:${port}` })).toBe(200);
    expect(await raw('/__sandbox/config', { Host: `127.0.0.1:${Number(port) + 1}` })).toBe(421);
    // A form posted by another page.
    expect(await raw('/__sandbox/reset', { Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' }, 'POST')).toBe(403);
    expect(await raw('/__sandbox/reset', { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` }, 'POST')).toBe(200);
    // The API itself is not the control API's: any Host reaches it.
    expect(await raw('/v3/certificates', { Host: 'api.mch.weixin.qq.com' })).toBe(401);
  });

  it('refuses what it does not know, and bodies that are not JSON objects', async () => {
    expect(await control('GET', '/nothing')).toMatchObject({ status: 404, body: { code: 'SANDBOX_ERROR' } });
    expect(await control('POST', '/pay', '[1]')).toMatchObject({ status: 400, body: { message: 'The body must be a JSON object' } });
    expect(await control('POST', '/pay', '{}')).toMatchObject({ status: 400, body: { message: 'out_trade_no is required (a string)' } });
    expect(await control('POST', '/notify', JSON.stringify({ url: 'ftp://example.com' }))).toMatchObject({ status: 400 });
  });
});
