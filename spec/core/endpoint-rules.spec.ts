/**
 * Per-endpoint answer rules (statements signed over their SHA-1, unsigned file downloads, signed answers)
 * are decided by the endpoint actually requested, whichever way its URL was assembled: the template, a
 * per-request `base_uri`/`baseURL` with a path prefix, or a client-wide base URL with a prefix.
 */
import { Builder } from '../../lib/core/builder.js';
import { type Answer, usePlatform } from '../support/platform.js';
import { rejected } from '../support/thrown.js';

type AnyClient = any;
const platform = usePlatform();
const CSV = 'date,amount\n2024-06-01,100\n';

function answering(answer: Answer): void {
  platform.respond = () => answer;
}

/** The ways one endpoint can be reached; each names the path the platform must see. */
function ways(template: string, prefix: string): Array<[string, (query: object) => Promise<any>]> {
  // Made at call time: the platform's address is known once it has started.
  const plain = (): AnyClient => Builder.factory(platform.config());
  const prefixed = (): AnyClient => Builder.factory(platform.config({ baseURL: `${platform.baseURL}${prefix}` }));
  return [
    ['the full template', (query) => plain().chain(`${prefix}${template}`).get({ query })],
    ['base_uri with the prefix', (query) => plain().chain(template).get({ base_uri: `${platform.baseURL}${prefix}`, query })],
    ['baseURL with the prefix', (query) => plain().chain(template).get({ baseURL: `${platform.baseURL}${prefix}`, query })],
    ['a client-wide base URL with the prefix', (query) => prefixed().chain(template).get({ query })],
  ];
}

describe('overseas statements: the signature covers {"sha1":...} and the body must hash to it', () => {
  it.each(ways('v3/statements', 'hk/'))('reached by %s', async (_way, call) => {
    answering({ body: CSV, headers: { 'Content-Type': 'text/csv' }, statement: true });
    const response = await call({ date: '2024-06-01' });
    expect(platform.last.target).toBe('/hk/v3/statements?date=2024-06-01');
    expect(response.data).toBe(CSV);
    answering({ body: CSV, headers: { 'Content-Type': 'text/csv' }, statement: true, tamperBody: (b) => Buffer.from(b.toString().replace('100', '900')) });
    await expect(call({ date: '2024-06-01' })).rejects.toMatchObject({ code: 'EV3_RES_STATEMENT_SHA1' });
  });
});

describe('file downloads: unsigned, checked by their own hash elsewhere', () => {
  it.each(ways('v3/billdownload/file', 'proxy/'))('reached by %s', async (_way, call) => {
    answering({ body: CSV, headers: { 'Content-Type': 'text/plain' }, unsigned: true });
    const response = await call({ token: 't' });
    expect(platform.last.target).toBe('/proxy/v3/billdownload/file?token=t');
    expect(Buffer.from(response.data).toString()).toBe(CSV);
  });
});

describe('every other endpoint: signed, whatever the prefix', () => {
  it.each(ways('v3/certificates', 'hk/'))('an unsigned answer is refused when reached by %s', async (_way, call) => {
    answering({ body: '{"data":[]}', unsigned: true });
    const error = await rejected(call({}));
    expect(error).toMatchObject({ code: 'EV3_RES_HEADERS_INCOMPLETE' });
  });
});
