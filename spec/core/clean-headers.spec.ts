/**
 * core/clean-headers.ts: the request's headers (the call's own) and the answer's (node's parsed ones) are already
 * in the form AxiosHeaders' normalize() gives, so normalize() leaves them as they are; these specs hold the
 * headers a call really carries against what a plain AxiosHeaders' normalize() makes of them.
 */
import { AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { Builder } from '../../lib/core/builder.js';
import { CleanHeaders, cleanHeaders } from '../../lib/core/clean-headers.js';
import { usePlatform } from '../support/platform.js';

type AnyClient = any;

/** What a plain AxiosHeaders makes of the same fields once normalized (names deduplicated, values cleaned). */
function normalizedCopy(headers: AxiosHeaders): Record<string, unknown> {
  const copy = new AxiosHeaders();
  for (const [name, value] of Object.entries(headers.toJSON())) copy.set(name, value as string);
  return copy.normalize(false).toJSON();
}

describe('CleanHeaders', () => {
  it('skips the walk of normalize(), and still re-cases names for normalize(true)', () => {
    const headers = cleanHeaders({ 'content-type': 'application/json', 'x-request-id': 'abc' });
    expect(headers).toBeInstanceOf(AxiosHeaders);
    expect(AxiosHeaders.from(headers)).toBe(headers);
    expect(headers.normalize(false)).toBe(headers);
    expect(headers.toJSON()).toEqual({ 'content-type': 'application/json', 'x-request-id': 'abc' });
    // Given what it must never hold, it shows that the walk is skipped: a plain AxiosHeaders would clean the value.
    expect(cleanHeaders({ 'x-raw': 'a\u0001b' }).normalize(false).get('x-raw')).toBe('a\u0001b');
    const plain = Object.assign(new AxiosHeaders(), { 'x-raw': 'a\u0001b' });
    expect(plain.normalize(false).get('x-raw')).toBe('ab');
    expect(headers.normalize(true).toJSON()).toEqual({ 'Content-Type': 'application/json', 'X-Request-Id': 'abc' });
  });

  it('keeps its form through set(): a name in another case replaces, a value is cleaned', () => {
    const headers = cleanHeaders({ 'Content-Type': 'application/json' });
    headers.set('content-type', 'text/plain\r\n');
    expect(headers.toJSON()).toEqual({ 'Content-Type': 'text/plain' });
    expect(headers.toJSON()).toEqual(normalizedCopy(headers));
  });
});

describe('the headers of a call', () => {
  const platform = usePlatform();

  it('reach the adapter as CleanHeaders that normalize() would not change, default and call headers merged across case', async () => {
    const seen: InternalAxiosRequestConfig[] = [];
    const adapter: AxiosAdapter = async (config) => {
      seen.push(config);
      const { status, headers, payload } = platform.render({ body: '{}' });
      return { status, statusText: 'OK', headers, data: payload, config };
    };
    const client = Builder.factory(platform.config({ adapter, headers: { 'x-trace': 'from-defaults', 'accept-language': 'zh-CN' } })) as AnyClient;
    await client.v3.pay.transactions.native.post({ json: { a: 1 }, headers: { 'X-Trace': 'from-the-call', accept: 'application/json' } });
    const headers = seen[0]!.headers;
    expect(headers).toBeInstanceOf(CleanHeaders);
    const json = headers.toJSON() as Record<string, string>;
    expect(json).toEqual(normalizedCopy(headers));
    expect(Object.keys(json).filter((name) => name.toLowerCase() === 'x-trace')).toHaveLength(1);
    expect(headers.get('x-trace')).toBe('from-the-call');
    expect(Object.keys(json).filter((name) => name.toLowerCase() === 'accept')).toHaveLength(1);
    expect(headers.get('Authorization')).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="/);
  });

  it('of the answer, as node parsed them, are CleanHeaders that normalize() would not change', async () => {
    platform.respond = () => ({ body: '{"ok":true}', headers: { 'X-Spaced': '  padded value  ', 'X-Upper-Case': 'Value' } });
    const client = Builder.factory(platform.config()) as AnyClient;
    const response = await client.v3.pay.transactions.native.post({ json: { a: 1 } });
    expect(response.data).toEqual({ ok: true });
    expect(response.headers).toBeInstanceOf(CleanHeaders);
    expect(response.headers.toJSON()).toEqual(normalizedCopy(response.headers as AxiosHeaders));
    expect(response.headers.get('x-spaced')).toBe('padded value');
    expect(response.headers['x-upper-case']).toBe('Value');
  });
});
