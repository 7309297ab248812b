/**
 * Fault injection: each spoiled answer is refused by the SDK with the verification error that names the
 * broken rule; a failing platform surfaces as an API or transport error; faults can target a path and
 * are driven over HTTP too.
 */
import { ApiError, RequestError, VerificationError } from '../../lib/errors.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: any;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});
afterEach(() => sandbox.faults.clear());

const certificates = () => client.v3.certificates.get();

describe('faults on APIv3 answers', () => {
  it.each([
    ['bad-signature', 'EV3_RES_HEADER_SIGNATURE_DIGEST', /does not verify/],
    ['stale-timestamp', 'EV3_RES_HEADER_TIMESTAMP_OFFSET', /-\d{3} s away/],
    ['unknown-serial', 'EV3_RES_HEADER_PLATFORM_SERIAL', /FFFFFFFF/],
    ['probe-signature', 'EV3_RES_HEADER_SIGNATURE_DIGEST', /probe/],
  ] as const)('%s: the client refuses the answer with %s', async (fault, code, message) => {
    sandbox.faults.inject(fault);
    const error = await certificates().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code, status: 200, message: expect.stringMatching(message) });
    // One request only: the next answer verifies.
    expect((await certificates()).status).toBe(200);
  });

  it('applies to the next N requests, then stops', async () => {
    sandbox.faults.inject('bad-signature', 2);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await certificates().then(() => 'ok', (e: VerificationError) => e.code));
    expect(outcomes).toEqual(['EV3_RES_HEADER_SIGNATURE_DIGEST', 'EV3_RES_HEADER_SIGNATURE_DIGEST', 'ok']);
    expect(sandbox.requests.slice(-3).map((r) => r.fault)).toEqual(['bad-signature', 'bad-signature', undefined]);
  });

  it('targets the requests whose path matches', async () => {
    sandbox.faults.inject('stale-timestamp', 1, '/v3/bill/');
    expect((await certificates()).status).toBe(200);
    await expect(client.v3.bill.tradebill.get({ query: { bill_date: '2025-01-01' } })).rejects.toMatchObject({ code: 'EV3_RES_HEADER_TIMESTAMP_OFFSET' });
    expect(sandbox.faults.pending).toEqual([]);
  });

  it('server-error: a 500 SYSTEM_ERROR, as an ApiError carrying the Request-ID', async () => {
    sandbox.faults.inject('server-error');
    // One attempt: the client would retry a 500 of a GET (docs/resilience.md).
    const error = await client.v3.certificates.get({ retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 500, code: 'SYSTEM_ERROR', requestId: expect.stringMatching(/^08[0-9A-F]{30}$/) });
  });

  it('drop: the connection closes without an answer (a transport error)', async () => {
    sandbox.faults.inject('drop');
    const error = await client.v3.certificates.get({ retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'EREQUEST_TRANSPORT' });
    expect(sandbox.requests.at(-1)).toMatchObject({ code: 'DROPPED', fault: 'drop' });
  });

  it('delay: the right answer, late (a client timeout fires first)', async () => {
    sandbox.faults.inject({ delay: 400 });
    const started = Date.now();
    expect((await certificates()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    sandbox.faults.inject({ delay: 600 });
    await expect(client.v3.certificates.get({ timeout: 150 })).rejects.toMatchObject({ constructor: RequestError, code: 'EREQUEST_TIMEOUT' });
  });

  it('answers signed with the platform public key when asked, which the client verifies too', async () => {
    sandbox.signWith('public-key');
    try {
      const response = await certificates();
      expect(response.headers['wechatpay-serial']).toBe(sandbox.platform.publicKeyId);
      sandbox.faults.inject('bad-signature');
      await expect(certificates()).rejects.toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    } finally {
      sandbox.signWith('certificate');
    }
    expect((await certificates()).headers['wechatpay-serial']).toBe(sandbox.platform.serial);
    // A request naming the public key asks for answers signed with it.
    const asked = await client.v3.certificates.get({ headers: { 'Wechatpay-Serial': sandbox.platform.publicKeyId } });
    expect(asked.headers['wechatpay-serial']).toBe(sandbox.platform.publicKeyId);
  });
});

describe('faults on APIv2 answers', () => {
  const query = () => client.v2.pay.orderquery.post({ xml: { appid: 'wx2421b1c4370ec43b', mch_id: sandbox.config.mchid, transaction_id: '1009660380201506130728806387', out_trade_no: '20150806125346' } });

  it('bad-signature: a wrong sign, refused with EV2_RES_SIGN', async () => {
    expect((await query()).data.return_code).toBe('SUCCESS');
    sandbox.faults.inject('bad-signature');
    await expect(query()).rejects.toMatchObject({ constructor: VerificationError, code: 'EV2_RES_SIGN' });
  });
});

describe('faults over the control API', () => {
  it('injects, lists and clears faults with plain HTTP', async () => {
    const control = (method: string, path: string, body?: unknown) => fetch(`${sandbox.baseURL}__sandbox${path}`, {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await control('POST', '/faults', { fault: 'bad-signature', count: 2, match: '/v3/certificates' }))
      .toEqual({ status: 201, body: [{ fault: 'bad-signature', remaining: 2, match: '/v3/certificates' }] });
    await expect(certificates()).rejects.toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    expect((await control('GET', '/faults')).body).toEqual([{ fault: 'bad-signature', remaining: 1, match: '/v3/certificates' }]);
    expect(await control('DELETE', '/faults')).toEqual({ status: 200, body: [] });
    expect((await certificates()).status).toBe(200);
    expect(await control('POST', '/faults', { fault: 'melt-down' })).toMatchObject({ status: 400, body: { code: 'SANDBOX_ERROR' } });
    expect(await control('POST', '/faults', { fault: { delay: 10 }, count: 0 })).toMatchObject({ status: 400 });
  });
});
