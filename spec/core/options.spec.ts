/** What a call refuses before any I/O: missing variables, unknown options, bodies that cannot be sent. */
import { Builder } from '../../lib/core/builder.js';
import { RequestError, TemplateError } from '../../lib/errors.js';
import { MCHID, Platform } from '../support/platform.js';

type AnyClient = any;
const platform = new Platform();
let client: AnyClient;

beforeAll(async () => {
  await platform.start();
  client = Builder.factory(platform.config());
});
beforeEach(() => {
  platform.respond = () => ({ body: '{"ok":true}' });
});
afterAll(() => platform.stop());

async function sent(call: () => Promise<unknown>) {
  const before = platform.requests.length;
  await call();
  expect(platform.requests.length).toBe(before + 1);
  return platform.last;
}

describe('what is refused before any I/O', () => {
  async function refused(call: () => Promise<unknown>, match: object) {
    const before = platform.requests.length;
    await expect(call()).rejects.toMatchObject(match);
    expect(platform.requests.length).toBe(before);
  }

  it('a missing path variable', async () => {
    await refused(() => client.v3.pay.transactions.id._transaction_id_.get({ query: { mchid: MCHID } }),
      { code: 'EURI_VARIABLE_MISSING', constructor: TemplateError });
  });

  it('an unknown option (a misspelt variable)', async () => {
    await refused(() => client.v3.pay.transactions.id._transaction_id_.get({ transactionid: '1' }),
      { code: 'EREQUEST_OPTIONS', constructor: RequestError });
  });

  it('an APIv2 template without the APIv2 secret: never sent unsigned', async () => {
    await refused(() => client.v2.pay.micropay.post({ xml: { appid: 'wx' } }), { code: 'ECONFIG', field: 'secret' });
    await refused(() => client.chain('v2/pay/micropay').post({ xml: {} }), { code: 'ECONFIG', field: 'secret' });
  });

  it('a body on GET, two bodies at once, options that are not an object', async () => {
    await refused(() => client.v3.a.get({ json: { a: 1 } }), { code: 'EREQUEST_OPTIONS' });
    await refused(() => client.v3.a.post({ json: {}, body: '{}' }), { code: 'EREQUEST_OPTIONS' });
    await refused(() => client.v3.a.post('json'), { code: 'EREQUEST_OPTIONS' });
  });

  it('values that would change the route are encoded, never followed', async () => {
    for (const id of ['../../v3/refund/domestic/refunds', 'a?x=1', 'a#b', 'a%2Fb']) {
      const request = await sent(() => client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: id }));
      expect(request.target.startsWith('/v3/pay/transactions/id/')).toBe(true);
      expect(request.target.slice('/v3/pay/transactions/id/'.length)).not.toMatch(/[/?#]/);
    }
    await refused(() => client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: '..' }), { code: 'EURI_INVALID' });
  });
});
