/**
 * The request rules stated once (core/request-rules.ts), as every part of the request path reads them: credentials
 * in a URL however it is written, the redirect setting, and who owns which header.
 */
import { hasCredentials, headerOwner, MAX_REDIRECTS, redirectProblem, withoutCredentials } from '../../lib/core/request-rules.js';

describe('credentials in a URL', () => {
  it.each([
    'https://user:hunter2@api.mch.weixin.qq.com/v3/a',
    'HTTP://:hunter2@127.0.0.1:8080/',
    'https://user@api.mch.weixin.qq.com/',
    '  https://u:hunter2@host/v3/{id}',
    'http:u:hunter2@host/v3/a',
    'https://u:hunter2@host/v3/{+path}',
  ])('are found in %j', (url) => {
    expect(hasCredentials(url)).toBe(true);
    expect(withoutCredentials(url) ?? '').not.toContain('hunter2');
  });

  it.each([
    'https://api.mch.weixin.qq.com/v3/a',
    'https://api.mch.weixin.qq.com/v3/a?email=a@b.example',
    'https://api.mch.weixin.qq.com/v3/users/a@b',
    'v3/marketing/{id}@x',
    undefined,
  ])('are not found in %j', (url) => {
    expect(hasCredentials(url)).toBe(false);
    expect(withoutCredentials(url)).toBe(url);
  });

  it('are read from a parsed URL as it holds them', () => {
    expect(hasCredentials(new URL('https://u:p@host/'))).toBe(true);
    expect(hasCredentials(new URL('https://host/?a=@'))).toBe(false);
  });
});

describe('redirects', () => {
  it('are never followed: maxRedirects may be absent or 0 only', () => {
    expect(MAX_REDIRECTS).toBe(0);
    expect(redirectProblem(undefined)).toBeUndefined();
    expect(redirectProblem(0)).toBeUndefined();
    for (const value of [1, 5, -1, '0', null]) expect(redirectProblem(value)).toMatch(/^must be 0: a redirect would carry the signature/);
  });
});

describe('the owner of a header', () => {
  it.each([
    ['authorization', 'signature'],
    ['content-length', 'framing'], ['transfer-encoding', 'framing'], ['host', 'framing'], ['connection', 'framing'],
    ['accept', 'protocol'], ['content-type', 'protocol'], ['user-agent', 'protocol'], ['wechatpay-serial', 'protocol'],
    ['x-request-id', undefined], ['traceparent', undefined],
  ])('%s: %s', (name, owner) => {
    expect(headerOwner(name)).toBe(owner);
  });
});
