import fc from 'fast-check';
import { parseTemplate } from 'url-template';
import { TemplateError } from '../../lib/errors.js';
import { buildQuery } from '../../lib/util/query.js';
import { encodeSegment, expandTemplate, normalizeProperty, resolveUrl, templateVariables } from '../../lib/core/uri.js';

describe('normalizeProperty (docs/protocol.md#normalisation-rules)', () => {
  it.each([
    ['v3', 'v3'],
    ['V3', 'v3'],
    ['productCoupons', 'product-coupons'],
    ['uploadCouponCodes', 'upload-coupon-codes'],
    ['complaintsV2', 'complaints-v2'],
    ['applyment4sub', 'applyment4sub'],
    ['out_trade_no', 'out_trade_no'],
    ['_stock_id_', '{stock_id}'],
    ['_product_coupon_id_', '{product_coupon_id}'],
    ['$stock_id$', '{stock_id}'],
    ['_empty_', '{empty}'],
    ['{openid}', '{openid}'],
    ['{outTradeNo}', '{outTradeNo}'],
    ['v2/secapi/mch/addInstitutionsub', 'v2/secapi/mch/addInstitutionsub'],
    ['delete', 'delete'],
    ['a.b', 'a.b'],
  ])('%s -> %s', (property, segment) => {
    expect(normalizeProperty(property)).toBe(segment);
  });

  it('applies the rules in order: capitals first, then placeholders', () => {
    expect(normalizeProperty('_outTradeNo_')).toBe('{out-trade-no}');
    expect(normalizeProperty('_')).toBe('_');
    expect(normalizeProperty('__')).toBe('__');
  });
});

describe('templateVariables', () => {
  it('lists required path variables and optional query variables', () => {
    expect(templateVariables('v3/a/{x}/b/{+y}{?q,r*}')).toEqual({ required: ['x', 'y'], optional: ['q', 'r'] });
    expect(templateVariables('v3/plain')).toEqual({ required: [], optional: [] });
  });
});

describe('expandTemplate (RFC 6570)', () => {
  const id = 'v3/pay/transactions/id/{transaction_id}';

  it('percent-encodes everything outside the unreserved set in {x}', () => {
    expect(expandTemplate(id, { transaction_id: '4200000001' })).toBe('v3/pay/transactions/id/4200000001');
    expect(expandTemplate(id, { transaction_id: '../../v3/refund' })).toBe('v3/pay/transactions/id/..%2F..%2Fv3%2Frefund');
    expect(expandTemplate(id, { transaction_id: 'a?b=1#c' })).toBe('v3/pay/transactions/id/a%3Fb%3D1%23c');
    expect(expandTemplate(id, { transaction_id: 'a%2Fb' })).toBe('v3/pay/transactions/id/a%252Fb');
    expect(expandTemplate(id, { transaction_id: "it's (1)*!" })).toBe('v3/pay/transactions/id/it%27s%20%281%29%2A%21');
    expect(expandTemplate(id, { transaction_id: '订单' })).toBe('v3/pay/transactions/id/%E8%AE%A2%E5%8D%95');
  });

  it('accepts numbers and bigints', () => {
    expect(expandTemplate(id, { transaction_id: 42 })).toBe('v3/pay/transactions/id/42');
    expect(expandTemplate(id, { transaction_id: 4200000001234567890n })).toBe('v3/pay/transactions/id/4200000001234567890');
  });

  it('keeps reserved characters and existing percent-encodings in {+x}', () => {
    expect(expandTemplate('v3/{+path}', { path: 'a/b?c=%2F' })).toBe('v3/a/b?c=%2F');
  });

  it.each([
    ['missing', {}],
    ['undefined', { transaction_id: undefined }],
    ['null', { transaction_id: null }],
    ['empty', { transaction_id: '' }],
  ])('refuses a %s variable before any I/O', (_label, variables) => {
    expect(() => expandTemplate(id, variables)).toThrow(TemplateError);
    try {
      expandTemplate(id, variables);
    } catch (error) {
      expect((error as TemplateError).code).toBe('EURI_VARIABLE_MISSING');
      expect((error as TemplateError).message).toContain('transaction_id');
    }
  });

  it('does not read variables from the prototype chain', () => {
    expect(() => expandTemplate('v3/{constructor}', {})).toThrow(/constructor/);
    expect(() => expandTemplate('v3/{toString}', Object.create({ toString: 'x' }))).toThrow(TemplateError);
  });

  it.each(['.', '..'])('refuses %j as a value: URL parsers would resolve it', (value) => {
    expect(() => expandTemplate(id, { transaction_id: value })).toThrow(expect.objectContaining({ code: 'EURI_INVALID' }));
  });

  it('refuses objects and functions as values', () => {
    expect(() => expandTemplate(id, { transaction_id: { a: 1 } })).toThrow(expect.objectContaining({ code: 'EURI_INVALID' }));
    expect(() => expandTemplate(id, { transaction_id: () => 1 })).toThrow(expect.objectContaining({ code: 'EURI_INVALID' }));
  });

  it('refuses a template whose braces cannot be expanded', () => {
    expect(() => expandTemplate('v3/a/{x', { x: '1' })).toThrow(expect.objectContaining({ code: 'EURI_UNEXPANDED' }));
    expect(() => expandTemplate('v3/a/x}', {})).toThrow(expect.objectContaining({ code: 'EURI_UNEXPANDED' }));
  });

  it('turns a last {empty} segment into a trailing slash', () => {
    expect(expandTemplate('v3/applyment4sub/applyment/{empty}', {})).toBe('v3/applyment4sub/applyment/');
    expect(expandTemplate('v3/applyment4sub/applyment/', {})).toBe('v3/applyment4sub/applyment/');
  });

  it('omits absent optional query variables', () => {
    expect(expandTemplate('v3/a{?x,y}', { x: 1 })).toBe('v3/a?x=1');
  });
});

describe('expandTemplate agrees with url-template', () => {
  const templates = [
    'v3/pay/transactions/native',
    'v3/pay/transactions/id/{transaction_id}',
    'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes',
    '/v3/{a}{b}/x y/%2F/[z]/订单/{c}',
    '{value}',
  ];
  const value = fc.oneof(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: fc.constantFrom('/', '%', '2', 'F', '.', '?', '#', '!', '*', "'", '(', '~') }), fc.integer(), fc.boolean())
    .filter((item) => item !== '' && item !== '.' && item !== '..');
  const outcome = (run: () => string): string => {
    try {
      return run();
    } catch (error) {
      return `throws ${(error as Error).name}`;
    }
  };

  it.each(templates)('expands %s byte for byte as url-template does, for any values', (template) => {
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    fc.assert(fc.property(fc.tuple(...names.map(() => value)), (values) => {
      const variables = Object.fromEntries(names.map((name, index) => [name, values[index]!]));
      expect(outcome(() => expandTemplate(template, variables))).toBe(outcome(() => parseTemplate(template).expand(variables)));
    }), { numRuns: 300 });
  });

  it('expands lists as url-template does', () => {
    expect(expandTemplate('v3/a/{ids}', { ids: ['x y', 2, true] })).toBe(parseTemplate('v3/a/{ids}').expand({ ids: ['x y', 2, true] }));
  });
});

describe('encodeSegment', () => {
  it('encodes one value as a single path segment', () => {
    expect(encodeSegment('a/b c')).toBe('a%2Fb%20c');
    expect(() => encodeSegment('..')).toThrow(TemplateError);
  });
});

describe('buildQuery', () => {
  it('encodes per RFC 3986, repeats array keys, skips absent values', () => {
    expect(buildQuery({ mchid: '1230000109', q: 'a b&c=d', list: ['x', 'y'], none: undefined, nil: null, n: 0, t: true })).toBe(
      'mchid=1230000109&q=a%20b%26c%3Dd&list=x&list=y&n=0&t=true',
    );
    expect(buildQuery(undefined)).toBe('');
  });
});

describe('resolveUrl', () => {
  it('keeps the base URL path prefix, with or without its trailing slash', () => {
    expect(resolveUrl('https://apihk.mch.weixin.qq.com/hk', 'v3/refunds', '').href).toBe('https://apihk.mch.weixin.qq.com/hk/v3/refunds');
    expect(resolveUrl('https://apihk.mch.weixin.qq.com/hk/', '/v3/refunds', 'a=1').href).toBe('https://apihk.mch.weixin.qq.com/hk/v3/refunds?a=1');
  });

  it('appends the query to one already in the template', () => {
    expect(resolveUrl('https://api.mch.weixin.qq.com/', 'v3/a?x=1', 'y=2').search).toBe('?x=1&y=2');
  });
});
