/** Request path -> endpoint: literal segments beat variables, trailing slashes, APIv2 paths, decoding. */
import type { SandboxEndpoint } from '../../lib/sandbox/data.js';
import { loadData } from '../../lib/sandbox/data.js';
import { Router } from '../../lib/sandbox/routes.js';

const endpoint = (method: SandboxEndpoint['method'], template: string): SandboxEndpoint => ({
  method, template, area: template.startsWith('v2/') ? 'v2' : 'v3', response: { status: 200, kind: 'json' }, example: { request: {} },
});

describe('the router', () => {
  const router = new Router([
    endpoint('get', 'v3/x/{id}'),
    endpoint('get', 'v3/x/batch'),
    endpoint('post', 'v3/x/batch/{no}'),
    endpoint('post', 'v3/x/{id}/close'),
    endpoint('get', 'v3/y/'),
    endpoint('post', 'v2/pay/micropay'),
    endpoint('delete', 'v3/x/{id}'),
  ]);
  const templates = (method: string, path: string) => {
    const result = router.match(method, path);
    return result.found ? result.matches.map((m) => [m.endpoint.template, m.vars]) : result.methods;
  };

  it('prefers a literal segment to a variable, and falls back to the variable for another method', () => {
    expect(templates('GET', '/v3/x/batch')).toEqual([['v3/x/batch', {}]]);
    expect(templates('GET', '/v3/x/abc')).toEqual([['v3/x/{id}', { id: 'abc' }]]);
    expect(templates('DELETE', '/v3/x/batch')).toEqual([['v3/x/{id}', { id: 'batch' }]]);
    expect(templates('POST', '/v3/x/batch/7')).toEqual([['v3/x/batch/{no}', { no: '7' }]]);
    expect(templates('POST', '/v3/x/batch/close')).toEqual([['v3/x/batch/{no}', { no: 'close' }]]);
    expect(templates('POST', '/v3/x/abc/close')).toEqual([['v3/x/{id}/close', { id: 'abc' }]]);
  });

  it('decodes variables, refuses an empty one, and keeps trailing slashes apart', () => {
    expect(templates('GET', '/v3/x/a%2Fb%20c')).toEqual([['v3/x/{id}', { id: 'a/b c' }]]);
    expect(templates('GET', '/v3/x/')).toEqual([]);
    expect(templates('GET', '/v3/x/%E0%A4%A')).toEqual([]);
    expect(templates('GET', '/v3/y/')).toEqual([['v3/y/', {}]]);
    expect(templates('GET', '/v3/y')).toEqual([]);
  });

  it('serves APIv2 endpoints without their v2/ prefix, and names the methods a path has', () => {
    expect(templates('POST', '/pay/micropay')).toEqual([['v2/pay/micropay', {}]]);
    expect(templates('POST', '/v2/pay/micropay')).toEqual([]);
    expect(templates('PUT', '/v3/x/abc')).toEqual(['delete', 'get']);
  });

  it('routes every endpoint of the API description to itself (ambiguous shapes listed in order)', () => {
    const data = loadData();
    const all = new Router(data.endpoints);
    const wrong: string[] = [];
    for (const e of data.endpoints) {
      const path = `/${e.template.replace(/^v2\//, '').replace(/\{([^}]+)\}/g, (_, name: string) => `value-of-${name}`)}`;
      const result = all.match(e.method, path);
      if (!result.found || !result.matches.some((m) => m.endpoint === e)) wrong.push(`${e.method} ${e.template}`);
    }
    expect(wrong).toEqual([]);
    const cancel = all.match('post', '/v3/apply4subject/applyment/123/cancel');
    expect(cancel.found && cancel.matches.map((m) => m.endpoint.template)).toEqual([
      'v3/apply4subject/applyment/{applyment_id}/cancel', 'v3/apply4subject/applyment/{business_code}/cancel',
    ]);
  });
});
