/**
 * The send guard (core/send.ts): a request leaves only as it was signed. Settings that axios would apply
 * after the signer (Basic `auth`, `params`, credentials in the URL) are refused before anything is sent.
 */
import { inspect } from 'node:util';
import { AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { Builder } from '../../lib/core/builder.js';
import { sendAsSigned } from '../../lib/core/send.js';
import { carry, Carried, type Exchange } from '../../lib/util/exchange.js';
import { ConfigError, RequestError } from '../../lib/errors.js';
import { usePlatform } from '../support/platform.js';
import { rejected, thrown } from '../support/thrown.js';

type AnyClient = any;
const platform = usePlatform('{"ok":true}');

async function refusedWithoutSending(call: () => Promise<unknown>): Promise<RequestError> {
  const before = platform.requests.length;
  const error = await rejected(call());
  expect(error).toBeInstanceOf(RequestError);
  expect(error).toMatchObject({ code: 'EREQUEST_UNSIGNED' });
  expect(platform.requests.length).toBe(before);
  return error as RequestError;
}

describe('only signed requests leave', () => {
  it('refuses Basic auth given per request (Builder.factory refuses it at once, below)', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    const error = await refusedWithoutSending(() => client.v3.certificates.get({ auth: { username: 'u', password: 'secret-pass' } }));
    expect(error.message).toMatch(/auth/);
    expect(JSON.stringify(error)).not.toContain('secret-pass');
  });

  it('refuses maxRedirects given per request (a redirect would carry the signature to another URL)', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    const error = await refusedWithoutSending(() => client.v3.certificates.get({ maxRedirects: 3 }));
    expect(error.message).toMatch(/redirect/);
  });

  it('refuses credentials in the base URL before anything else, and never echoes them', async () => {
    const url = platform.baseURL.replace('http://', 'http://user:hunter2@');
    const client: AnyClient = Builder.factory(platform.config());
    const before = platform.requests.length;
    const error = await rejected(client.v3.certificates.get({ baseURL: url })) as RequestError;
    expect(error).toBeInstanceOf(RequestError);
    expect(error.message).not.toContain('hunter2');
    expect(error.url).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect(platform.requests.length).toBe(before);
  });

  it("guards the caller's own adapter too: it receives only the signed request", async () => {
    const seen: string[] = [];
    const client: AnyClient = Builder.factory(platform.config());
    const adapter = jest.fn(async (config: { url?: string }) => {
      seen.push(config.url ?? '');
      return { data: Buffer.from('{}'), status: 204, statusText: '', headers: {}, config };
    });
    await refusedWithoutSending(() => client.v3.certificates.get({ adapter, auth: { username: 'u', password: 'p' } }));
    expect(adapter).not.toHaveBeenCalled();
  });

  it('sends a request nothing changed after signing, which the platform accepts', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    await client.v3.certificates.get();
    expect(platform.last.authorized).toBe(true);
  });

  it('refuses credentials in a per-request base_uri, and in a URL of any case (never echoed)', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    for (const base of [platform.baseURL.replace('http://', 'http://user:hunter2@'), platform.baseURL.replace('http://', 'HTTP://:hunter2@')]) {
      const error = await rejected(client.v3.certificates.get({ base_uri: base }));
      expect(error).toBeInstanceOf(RequestError);
      expect(JSON.stringify(error)).not.toContain('hunter2');
      expect(error.message).not.toContain('hunter2');
    }
    expect(platform.requests.filter((request) => request.headers.authorization?.startsWith('Basic'))).toHaveLength(0);
  });
});

describe('a template written as a whole URL', () => {
  it('is refused when it carries credentials (never echoed) or is not http(s)', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    const before = platform.requests.length;
    const withCredentials = platform.baseURL.replace('http://', `http://user:hunter2@`);
    for (const template of [`${withCredentials}v3/a`, 'data:application/json,1', 'file:///etc/passwd']) {
      const error = await rejected(client.chain(template).get({ timeout: 1 }));
      expect(['EREQUEST_OPTIONS', 'EURI_INVALID']).toContain((error as RequestError).code);
      expect(inspect(error)).not.toContain('hunter2');
      expect(JSON.stringify(error)).not.toContain('hunter2');
    }
    expect(platform.requests.length).toBe(before);
  });
});

describe('Builder.factory refuses settings that would change a request after signing', () => {
  it.each([
    ['auth', { auth: { username: 'u', password: 'hunter2' } }],
    ['params', { params: { mchid: '1' } }],
    ['baseURL', { baseURL: 'https://user:hunter2@api.mch.weixin.qq.com/' }],
    ['base_uri', { base_uri: 'https://:hunter2@api.mch.weixin.qq.com/' }],
    ['maxRedirects', { maxRedirects: 5 }],
  ])('%s', (field, extra) => {
    const error = thrown(() => Builder.factory(platform.config(extra)));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field });
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });
});

describe('the SDK owns the framing headers (Content-Length, Transfer-Encoding, Host, Connection)', () => {
  const framing: Array<[string, string]> = [
    ['Content-Length', '10'],
    ['content-length', '999'],
    ['Transfer-Encoding', 'chunked'],
    ['Host', 'evil.example'],
    ['Connection', 'close'],
  ];

  it.each(framing)('refuses %s given to a call, before sending', async (name, value) => {
    const client: AnyClient = Builder.factory(platform.config());
    const before = platform.requests.length;
    const error = await rejected(client.v3.a.post({ json: { a: 'x'.repeat(100) }, headers: { [name]: value } }));
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'EREQUEST_OPTIONS' });
    expect(error.message).toContain(name);
    expect(platform.requests.length).toBe(before);
  });

  it.each(framing)('refuses %s given to Builder.factory', (name, value) => {
    const error = thrown(() => Builder.factory(platform.config({ headers: { [name]: value } })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'headers' });
  });

  it('refuses a Content-Length on a GET at once (it would wait for a body that never comes)', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    await expect(client.v3.a.get({ headers: { 'Content-Length': '999' } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
  });

  it('the guard itself refuses framing headers it did not sign with, whoever set them', async () => {
    const adapter = jest.fn();
    const data = '{"a":1}';
    const config = (headers: Record<string, string>) => {
      const request = { method: 'post', url: 'http://127.0.0.1:9/v3/a', data, headers: AxiosHeaders.from({ Authorization: 'WECHATPAY2 x', ...headers }) };
      const exchange: Exchange = {
        protocol: 'v3', template: 'v3/a', route: 'v3/a', signedBody: data, rule: 'signed', acceptStatus: undefined, answer: { maxContentLength: -1, streamed: false },
      };
      exchange.signed = { method: 'POST', url: request.url, data, authorization: 'WECHATPAY2 x', contentLength: undefined };
      return carry(request, new Carried(exchange)) as unknown as InternalAxiosRequestConfig;
    };
    const send = sendAsSigned(adapter);
    for (const headers of [{ 'Transfer-Encoding': 'chunked' }, { 'Content-Length': '3' }, { Host: 'evil.example' }, { Connection: 'upgrade' }] as Array<Record<string, string>>) {
      await expect(send(config(headers))).rejects.toMatchObject({ code: 'EREQUEST_UNSIGNED' });
    }
    expect(adapter).not.toHaveBeenCalled();
  });

  it('sends the Content-Length of the signed bytes, which the platform reads exactly', async () => {
    const client: AnyClient = Builder.factory(platform.config());
    await client.v3.a.post({ json: { a: 'x'.repeat(100) } });
    expect(platform.last.authorized).toBe(true);
    expect(Number(platform.last.headers['content-length'])).toBe(platform.last.body.length);
  });
});
