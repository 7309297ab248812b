/**
 * A signed request goes only to the origins of the client's configuration (core/origins.ts): a whole-URL
 * template or a per-call base URL naming another host is refused before signing, unless `allowedOrigins`
 * lists it. Two loopback platforms on two ports are two origins: the client is given one, the other records
 * whatever reaches it.
 */
import { Builder } from '../../lib/core/builder.js';
import { checkOrigin, loadAllowedOrigins, signableOrigins } from '../../lib/core/origins.js';
import { ConfigError, RequestError } from '../../lib/errors.js';
import { usePlatform } from '../support/platform.js';
import { rejected, thrown } from '../support/thrown.js';

type AnyClient = any;
const ours = usePlatform('{"ok":true}');
const other = usePlatform('{"ok":true}');
const V2_SECRET = 'v2secretv2secretv2secretv2secret';

async function refusedBeforeSigning(call: () => Promise<unknown>): Promise<RequestError> {
  const before = [ours.requests.length, other.requests.length];
  const error = await rejected(call());
  expect(error).toBeInstanceOf(RequestError);
  expect(error).toMatchObject({ code: 'EREQUEST_ORIGIN' });
  expect((error as Error).message).toContain(new URL(other.baseURL).origin);
  expect([ours.requests.length, other.requests.length]).toEqual(before);
  return error as RequestError;
}

describe('signed requests go only to the configured origins', () => {
  it('refuses a whole-URL template naming another origin, in every call style, before anything is signed or sent', async () => {
    const client: AnyClient = Builder.factory(ours.config({ secret: V2_SECRET }));
    const elsewhere = `${other.baseURL}v3/pay/transactions/id/4200000001`;
    await refusedBeforeSigning(() => client.chain(elsewhere).get({ query: { mchid: '1230000109' } }));
    await refusedBeforeSigning(() => client[elsewhere].getAsync({ query: { mchid: '1230000109' } }));
    await refusedBeforeSigning(() => client.chain(`${other.baseURL}v2/pay/orderquery`).post({ xml: { out_trade_no: '1' } }));
  });

  it('refuses a per-call baseURL or base_uri naming another origin', async () => {
    const client: AnyClient = Builder.factory(ours.config());
    await refusedBeforeSigning(() => client.v3.certificates.get({ baseURL: other.baseURL }));
    await refusedBeforeSigning(() => client.v3.certificates.get({ base_uri: other.baseURL }));
  });

  it('sends to its own origin, by template or by whole URL', async () => {
    const client: AnyClient = Builder.factory(ours.config());
    const before = ours.requests.length;
    await client.v3.certificates.get();
    await client.chain(`${ours.baseURL}v3/certificates`).get();
    expect(ours.requests.slice(before).map((request) => request.authorized)).toEqual([true, true]);
  });

  it('sends, signed, to an origin listed in allowedOrigins (a proxy)', async () => {
    const client: AnyClient = Builder.factory(ours.config({ allowedOrigins: [other.baseURL] }));
    const before = other.requests.length;
    await client.chain(`${other.baseURL}v3/certificates`).get();
    await client.v3.certificates.get({ baseURL: other.baseURL });
    expect(other.requests.slice(before).map((request) => request.authorized)).toEqual([true, true]);
  });

  it('never names the query of the refused URL (it may carry an order number) beyond its path', async () => {
    const client: AnyClient = Builder.factory(ours.config());
    const error = await refusedBeforeSigning(() => client.chain(`${other.baseURL}v3/x?secret_query=1`).get());
    expect(JSON.stringify(error)).not.toContain('secret_query');
  });
});

describe('which origins a client signs for', () => {
  it('the platform default: its own host and the hosts of endpoints documented elsewhere', () => {
    const origins = signableOrigins({ baseURL: 'https://api.mch.weixin.qq.com/', customBaseURL: false, allowedOrigins: [] });
    expect([...origins]).toEqual(expect.arrayContaining(['https://api.mch.weixin.qq.com', 'https://apihk.mch.weixin.qq.com', 'https://fraud.mch.weixin.qq.com']));
    expect(origins.has('https://evil.example')).toBe(false);
  });

  it('a configured base URL (a prefix kept), its backup, and the listed origins only', () => {
    const origins = signableOrigins({
      baseURL: 'https://apihk.mch.weixin.qq.com/hk/', backupBaseURL: 'https://api2.mch.weixin.qq.com/hk/', customBaseURL: true, allowedOrigins: ['https://proxy.example:8443'],
    });
    expect([...origins].sort()).toEqual(['https://api2.mch.weixin.qq.com', 'https://apihk.mch.weixin.qq.com', 'https://proxy.example:8443']);
    expect(() => checkOrigin(origins, new URL('https://fraud.mch.weixin.qq.com/risk/getpublickey'), 'v2/risk/getpublickey', 'POST'))
      .toThrow(expect.objectContaining({ code: 'EREQUEST_ORIGIN' }));
  });

  it('allowedOrigins takes origins only, checked at Builder.factory', () => {
    expect(loadAllowedOrigins(['https://Proxy.Example:443/', 'http://127.0.0.1:8080'])).toEqual(['https://proxy.example', 'http://127.0.0.1:8080']);
    for (const [value, field] of [
      ['https://x.example', 'allowedOrigins'], [[42], 'allowedOrigins[0]'], [['not a url'], 'allowedOrigins[0]'], [['ftp://x.example'], 'allowedOrigins[0]'],
      [['https://x.example/path'], 'allowedOrigins[0]'], [['https://u:p@x.example'], 'allowedOrigins[0]'], [['https://x.example', 'https://x.example/?q'], 'allowedOrigins[1]'],
    ] as const) {
      const error = thrown(() => Builder.factory(ours.config({ allowedOrigins: value })));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field });
    }
  });
});
