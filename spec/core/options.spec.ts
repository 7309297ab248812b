/**
 * The options of a call (core/options.ts, core/prepare.ts): anything the SDK cannot send exactly as meant is
 * refused with a typed error before any I/O, saying what to write instead; nothing silently does nothing.
 */
import { Builder } from '../../lib/core/builder.js';
import { ConfigError, RequestError, TemplateError, WechatpayError } from '../../lib/errors.js';
import { MCHID, usePlatform } from '../support/platform.js';
import { rejected, thrown } from '../support/thrown.js';

type AnyClient = any;
const platform = usePlatform('{"ok":true}');
let client: AnyClient;

beforeAll(() => {
  client = Builder.factory(platform.config());
});

async function refusedBeforeSending(call: () => Promise<unknown>, expected: Record<string, unknown> = { code: 'EREQUEST_OPTIONS' }): Promise<WechatpayError> {
  const before = platform.requests.length;
  const error = await rejected(call());
  expect(error).toBeInstanceOf(WechatpayError);
  expect(error).toMatchObject(expected);
  expect(platform.requests.length).toBe(before);
  return error as WechatpayError;
}

describe('timeout is in milliseconds', () => {
  it.each([0.4, 1.5, -1, NaN, '2000', Infinity])('refuses timeout: %p per request, saying what to write', async (timeout) => {
    const error = await refusedBeforeSending(() => client.v3.a.get({ timeout }));
    expect(error.message).toMatch(/milliseconds/);
  });

  it('names the millisecond value a Guzzle-style number of seconds means', async () => {
    const error = await refusedBeforeSending(() => client.v3.a.get({ timeout: 0.4 }));
    expect(error.message).toContain('timeout: 400');
  });

  it('refuses timeout: 0.4 in Builder.factory', () => {
    const error = thrown(() => Builder.factory(platform.config({ timeout: 0.4 })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'timeout', message: expect.stringContaining('timeout: 400') });
  });

  it('takes a whole number of milliseconds (0: no deadline, as in axios)', async () => {
    expect((await client.v3.a.get({ timeout: 2000 })).status).toBe(200);
    expect((await client.v3.a.get({ timeout: 0 })).status).toBe(200);
  });
});

describe('maxContentLength', () => {
  it.each([0.5, -2, NaN, '1000'])('refuses %p', async (maxContentLength) => {
    await refusedBeforeSending(() => client.v3.a.get({ maxContentLength }));
    expect(thrown(() => Builder.factory(platform.config({ maxContentLength })))).toMatchObject({ field: 'maxContentLength' });
  });
});

describe('query', () => {
  it.each([['a string', 'a=1'], ['an array', ['a']], ['a number', 1]])('refuses %s (it would be sent as ?0=a&1=...)', async (_label, query) => {
    await refusedBeforeSending(() => client.v3.a.get({ query }));
    await refusedBeforeSending(() => client.v3.a.get({ params: query }));
  });

  it('refuses a value that is not well-formed Unicode (a lone surrogate)', async () => {
    await refusedBeforeSending(() => client.v3.a.get({ query: { a: '\ud800' } }));
  });

  it('takes an object and URLSearchParams', async () => {
    await client.v3.a.get({ query: { a: '1', b: ['2', '3'] } });
    expect(platform.last.target).toBe('/v3/a?a=1&b=2&b=3');
    await client.v3.a.get({ query: new URLSearchParams([['a', '='], ['a', '2']]) });
    expect(platform.last.target).toBe('/v3/a?a=%3D&a=2');
    expect(platform.last.authorized).toBe(true);
  });
});

describe('bodies', () => {
  it.each([['a string', 'x'], ['an empty object', {}], ['an object without getBody', { getMeta: () => '{}', getContentType: () => 'x' }]])(
    'refuses a multipart that is %s', async (_label, multipart) => {
      await refusedBeforeSending(() => client.v3.merchant.media.upload.post({ multipart }));
    });

  it.each([['a BigInt', { a: 1n }], ['circular data', (() => {
    const data: Record<string, unknown> = {};
    data['self'] = data;
    return data;
  })()], ['a function', () => 1], ['a toJSON that throws', { toJSON: () => { throw new Error('no'); } }]])('refuses json with %s', async (_label, json) => {
    await refusedBeforeSending(() => client.v3.a.post({ json }));
  });
});

describe('raw bodies', () => {
  it('refuses bytes that are not UTF-8 (the signature would cover U+FFFD, the wire the bytes)', async () => {
    const error = await refusedBeforeSending(() => client.v3.a.post({ body: Uint8Array.from([0x80]) }));
    expect(error.message).toMatch(/UTF-8/);
    await refusedBeforeSending(() => client.v3.a.post({ body: Buffer.from([0x7b, 0xff, 0x7d]) }));
  });

  it('signs and sends UTF-8 bytes as they are', async () => {
    await client.v3.a.post({ body: Buffer.from('{"名":"值"}') });
    expect(platform.last.authorized).toBe(true);
    expect(platform.last.body.toString('utf8')).toBe('{"名":"值"}');
  });
});

describe('headers', () => {
  it.each([
    ['a CR LF in a value', { 'X-Trace': 'a\r\nX-Injected: 1' }],
    ['a character beyond Latin-1', { 'X-Trace': '中' }],
    ['a space in a name', { 'X Trace': 'a' }],
    ['an empty name', { '': 'a' }],
    ['an object value', { 'X-Trace': { a: 1 } }],
    ['an Authorization of its own', { Authorization: 'Basic dTpw' }],
    ['a name axios would drop (constructor)', { constructor: '1' }],
    ['a name axios would drop (prototype)', { prototype: '1' }],
    ['a name axios would drop (__proto__)', JSON.parse('{"__proto__":"1"}') as Record<string, unknown>],
  ])('refuses %s', async (_label, headers) => {
    const error = await refusedBeforeSending(() => client.v3.a.get({ headers }));
    expect(error.message).not.toContain('X-Injected');
  });

  it('never repeats a header value in the message (it may be a token)', async () => {
    const error = await refusedBeforeSending(() => client.v3.a.get({ headers: { 'X-Token': 'hunter2\n' } }));
    expect(error.message).not.toContain('hunter2');
  });

  it('sends a header of its own as given', async () => {
    await client.v3.a.get({ headers: { 'X-Trace': 'abc', 'X-Count': 2 } });
    expect(platform.last.headers).toMatchObject({ 'x-trace': 'abc', 'x-count': '2' });
  });
});

describe('base URLs', () => {
  it.each(['javascript:alert(1)', 'ftp://example.com/', '/relative/', 'not a url', 42])('refuses baseURL %p per request', async (baseURL) => {
    await refusedBeforeSending(() => client.v3.a.get({ baseURL }));
    await refusedBeforeSending(() => client.v3.a.get({ base_uri: baseURL }));
  });
});

describe('the chain is used as documented, or a typed error says how', () => {
  it('chain() with anything but a template', () => {
    for (const value of [42, null, undefined, {}]) {
      const error = thrown(() => client.chain(value));
      expect(error).toBeInstanceOf(RequestError);
      expect(error).toMatchObject({ code: 'EREQUEST_CALL' });
    }
  });

  it('calling a node that is not a verb', async () => {
    const error = await refusedBeforeSending(() => client.v3.a(), { code: 'EREQUEST_CALL' });
    expect(error).toBeInstanceOf(RequestError);
    expect(error.message).toMatch(/\.get\(\)/);
  });

  it('a lone surrogate in a value written into the chain, a tagged template or a template variable', async () => {
    expect(thrown(() => client.v3.pay.transactions.id['\ud800'])).toBeInstanceOf(TemplateError);
    expect(thrown(() => client.chain`v3/pay/transactions/id/${'\udc00'}`)).toBeInstanceOf(TemplateError);
    await refusedBeforeSending(() => client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: 'a\ud800b' }), { code: 'EURI_INVALID' });
    await refusedBeforeSending(() => client.chain('v3/\ud800/a').get(), { code: 'EURI_INVALID' });
  });
});

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
