/**
 * The generator: the fix-up table applies (and refuses to apply to data it does not describe), the counts
 * are what the data holds, the output is deterministic and equals the committed lib/generated and docs/api.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openapiDir } from '../../scripts/codegen/data-dir.js';
import { generate, type Generated } from '../../scripts/codegen/generate.js';
import { applyFixUps, FIXUPS, RULES, type FixUp } from '../../scripts/codegen/fixups.js';
import { loadSource, parseYaml, type JsonObject, type Source } from '../../scripts/codegen/load.js';
import { docUrlOf, locate } from '../../scripts/codegen/model.js';
import { parseRef } from '../../scripts/codegen/resolve.js';
import { buildTree, chainExpression, normalizeProperty as generatorNormalize, propertyOf, propertiesOf } from '../../scripts/codegen/tree.js';
import { shortLabel } from '../../scripts/codegen/naming.js';
import { exampleOf } from '../../scripts/codegen/examples.js';
import { isTopLevelUnion, tsType } from '../../scripts/codegen/emit-types.js';
import { normalizeProperty } from '../../lib/core/uri.js';

const root = join(__dirname, '..', '..');
/** Read lazily: a missing description fails the data-driven specs with a clear message, never skips them. */
const dataDir = (): string => openapiDir(root);

describe('codegen building blocks', () => {
  it('normalises properties by the wechatpay-php rules', () => {
    expect(generatorNormalize('productCoupons')).toBe('product-coupons');
    expect(generatorNormalize('V3')).toBe('v3');
    expect(generatorNormalize('complaintsV2')).toBe('complaints-v2');
    expect(generatorNormalize('_stock_id_')).toBe('{stock_id}');
    expect(generatorNormalize('$stock_id$')).toBe('{stock_id}');
    expect(generatorNormalize('video_upload')).toBe('video_upload');
    expect(generatorNormalize('a.b')).toBe('a.b');
  });

  it('normalises with the runtime chain\'s own function (lib/core/uri.ts), not a copy of it', () => {
    expect(generatorNormalize).toBe(normalizeProperty);
  });

  it('writes each segment as the property that normalises back to it, or none', () => {
    expect(propertyOf('product-coupons')).toBe('productCoupons');
    expect(propertyOf('complaints-v2')).toBe('complaintsV2');
    expect(propertyOf('applyment4sub')).toBe('applyment4sub');
    expect(propertyOf('video_upload')).toBe('video_upload');
    expect(propertyOf('addInstitutionsub')).toBeUndefined();
    expect(propertiesOf('{openid}')).toEqual(['_openid_', '$openid$', '{openid}']);
    expect(propertiesOf('{empty}')).toEqual(['_empty_']);
    for (const segment of ['product-coupons', 'video_upload', 'delete', 'import', 'a-1']) {
      const property = propertyOf(segment);
      if (property !== undefined) expect(generatorNormalize(property)).toBe(segment);
    }
  });

  it('reads `File.yaml#Name` references as `File.yaml#/Name`', () => {
    const stats = { bareFragmentRefs: 0, refs: 0, allOfMerged: 0 };
    expect(parseRef('../../../definitions/Transaction.yaml#TransactionBase', 'v3/pay/transactions/jsapi.yaml', stats)).toEqual({
      file: 'definitions/Transaction.yaml',
      pointer: ['TransactionBase'],
    });
    expect(parseRef('#/OrderBase', 'definitions/PayScore.yaml')).toEqual({ file: 'definitions/PayScore.yaml', pointer: ['OrderBase'] });
    expect(stats.bareFragmentRefs).toBe(1);
  });

  it('parses YAML 1.2: YES stays a string, a leading-zero id keeps its zero', () => {
    const kept = new Map<string, number>();
    expect(parseYaml('enum: [YES, NO]\nexample: 013467007045764\nn: 10\n', 'x.yaml', kept)).toEqual({ enum: ['YES', 'NO'], example: '013467007045764', n: 10 });
    expect(kept.get('x.yaml')).toBe(1);
  });

  it('locates templates: v2/ prefix, hk and global as written, {empty} as a trailing slash', () => {
    expect(locate('v2/pay/micropay.yaml')).toEqual({ area: 'v2', path: '/pay/micropay', template: 'v2/pay/micropay' });
    expect(locate('hk/v3/statements.yaml').template).toBe('hk/v3/statements');
    expect(locate('global/v3/customs/orders.yaml').area).toBe('global');
    expect(locate('v3/applyment4sub/applyment/{empty}.yaml').template).toBe('v3/applyment4sub/applyment/');
  });

  it('takes the official link and short labels from descriptions', () => {
    expect(docUrlOf('下单。[官方文档](https://pay.weixin.qq.com/doc/v3/merchant/1) [别的](https://example.com)')).toBe('https://pay.weixin.qq.com/doc/v3/merchant/1');
    expect(docUrlOf('no link')).toBeUndefined();
    expect(shortLabel('是否指定服务商分账;Y-是，需要分账')).toBe('是否指定服务商分账');
    expect(shortLabel('[商户号](https://x)')).toBe('商户号');
  });

  it('builds examples of the declared type from documented examples', () => {
    expect(exampleOf({ type: 'object', required: ['a'], properties: { a: { type: 'integer', example: '100' }, b: { type: 'string' }, c: { type: 'string', example: 1 } } })).toEqual({ a: 100, c: '1' });
    expect(exampleOf({ type: 'string', enum: ['A', 'B'], example: 'Z' })).toBe('A');
    expect(exampleOf({ type: 'integer', example: 5 }, 'n', { xml: true })).toBe('5');
  });

  it('writes schema types: enums follow the declared type, unions of items are bracketed', () => {
    const json = { side: 'request', xml: false } as const;
    expect(tsType({ type: 'string', enum: [1, 2] }, json, '')).toBe("'1' | '2'");
    expect(tsType({ type: 'integer', enum: ['1', '2'] }, json, '')).toBe('1 | 2');
    expect(tsType({ type: 'integer', enum: [1] }, { side: 'request', xml: true }, '')).toBe("1 | '1'");
    expect(tsType({ type: 'integer' }, { side: 'response', xml: true }, '')).toBe('string');
    expect(tsType({ type: 'array', items: { oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'string' }] } }, json, '')).toMatch(/^Array<\{/);
    expect(tsType({ type: 'array', items: { type: 'object', properties: { a: { type: 'string', enum: ['x', 'y'] } } } }, json, '')).toMatch(/\}\[\]$/);
    expect(isTopLevelUnion("{ a: 'x' | 'y' }")).toBe(false);
    expect(isTopLevelUnion("'a|b'")).toBe(false);
    expect(isTopLevelUnion('string | number')).toBe(true);
  });

  it('builds the chain tree with every prefix and the chain expression of each node', () => {
    const endpoint = (template: string) => ({ template }) as Parameters<typeof buildTree>[0][number];
    const tree = buildTree([endpoint('v3/applyment4sub/applyment/'), endpoint('v2/secapi/mch/addInstitutionsub'), endpoint('v3/a-b/{id}/delete')]);
    const find = (key: string) => [...walkAll(tree)].find((n) => n.key === key)!;
    expect(find('v3/applyment4sub/applyment/').segment).toBe('{empty}');
    expect(chainExpression(find('v3/applyment4sub/applyment/'))).toBe('client.v3.applyment4sub.applyment._empty_');
    expect(chainExpression(find('v3/a-b/{id}/delete'))).toBe('client.v3.aB._id_.delete');
    expect(chainExpression(find('v2/secapi/mch/addInstitutionsub'))).toBeUndefined();
  });
});

function* walkAll(node: ReturnType<typeof buildTree>): Generator<ReturnType<typeof buildTree>> {
  yield node;
  for (const child of node.children.values()) yield* walkAll(child);
}

/** A tiny source holding one file, for the fix-up guard. */
function sourceOf(file: string, doc: JsonObject): Source {
  return { root: '/nowhere', index: { paths: {} }, files: new Map([[file, doc]]), keptScalars: new Map() };
}

describe('the fix-up table', () => {
  it('describes every entry: kind, file, where, what was wrong', () => {
    expect(FIXUPS.length).toBeGreaterThan(50);
    for (const fix of FIXUPS) {
      expect(fix.file).toMatch(/\.yaml$/);
      expect(fix.at).toMatch(/^\//);
      expect(fix.was.length).toBeGreaterThan(10);
    }
    expect(Object.keys(RULES).sort()).toEqual(['bare-fragment-ref', 'enum-over-max-length', 'leading-zero-number', 'not-indexed', 'required-not-in-properties', 'tag-not-tags']);
  });

  it('applies an entry where the error is, and refuses where the data no longer has it', () => {
    const fix: FixUp = FIXUPS.find((f) => f.kind === 'invalid-type' && f.file.includes('discount-card'))!;
    const broken = { get: { responses: { 200: { schema: { properties: { openid: { type: 'string ' } } } } } } } as unknown as JsonObject;
    applyFixUps(sourceOf(fix.file, broken), [fix]);
    expect(JSON.stringify(broken)).toContain('"type":"string"');
    const fixed = { get: { responses: { 200: { schema: { properties: { openid: { type: 'string' } } } } } } } as unknown as JsonObject;
    expect(() => applyFixUps(sourceOf(fix.file, fixed), [fix])).toThrow(/no longer applies/);
  });
});

describe('generated from the API description', () => {
  let first: Generated;
  beforeAll(() => {
    first = generate(dataDir());
  });

  it('types every endpoint: 1,154 (992 v3, 136 v2, 21 hk, 5 global)', () => {
    const { endpoints } = first.model;
    expect(endpoints).toHaveLength(1154);
    const byArea = Object.fromEntries(['v3', 'v2', 'hk', 'global'].map((a) => [a, endpoints.filter((e) => e.area === a).length]));
    expect(byArea).toEqual({ v3: 992, v2: 136, hk: 21, global: 5 });
    expect(new Set(endpoints.map((e) => `${e.method} ${e.template}`)).size).toBe(1154);
    // POST /v3/webhooks describes notifications: not callable
    expect(first.model.excluded.map((e) => e.path)).toEqual(['/v3/webhooks']);
  });

  it('applies every fix-up entry, by kind, and reports the rules', () => {
    const kinds: Record<string, number> = {};
    for (const a of first.model.report.applied) kinds[a.kind] = (kinds[a.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      'invalid-type': 13,
      'emptied-properties': 5,
      'misindented-properties': 2,
      'required-flag-in-property': 5,
      'misspelled-keyword': 5,
      'array-without-items': 13,
      'path-variable': 6,
      'path-parameter-not-required': 9,
      'misspelled-property': 2,
      'missing-produces': 2,
      'incomplete-schema': 5,
      'example-breaks-schema': 4,
      'not-an-endpoint': 4,
    });
    const rules: Record<string, number> = {};
    for (const h of first.model.report.hits) rules[h.rule] = (rules[h.rule] ?? 0) + 1;
    expect(rules['tag-not-tags']).toBe(32);
    expect(rules['not-indexed']).toBe(1);
    expect(rules['leading-zero-number']).toBe(2);
    const bare = first.model.report.hits.filter((h) => h.rule === 'bare-fragment-ref').reduce((n, h) => n + Number.parseInt(h.detail!, 10), 0);
    expect(bare).toBe(220);
    expect(rules['required-not-in-properties']).toBeGreaterThan(60);
    // uploadmedia's sign_type (HMAC-SHA256 under maxLength 10), downloadbill's RECHARGE_REFUND (under 8), ...
    expect(first.model.report.hits.filter((h) => h.rule === 'enum-over-max-length').map((h) => h.where)).toEqual([
      'definitions/downloadbill.yaml', 'definitions/downloadfundflow.yaml', 'v2/cgi-bin/mch/customs/customdeclarequery.yaml',
      'v2/secapi/mch/uploadmedia.yaml', 'v2/vehicle/partnerpay/payapply.yaml', 'v2/vehicle/pay/payapply.yaml',
    ]);
  });

  it('leaves out of the property tree only the segments no property can produce', () => {
    expect(first.unreachable).toEqual(['v2/secapi/mch/addInstitutionsub', 'v2/secapi/mch/modifyInstitutionsub', 'v2/secapi/mch/queryInstitutionsub']);
  });

  it('is deterministic and equals the committed output', () => {
    const second = generate(dataDir());
    expect(second.files.map((f) => `${f.root}/${f.path}`)).toEqual(first.files.map((f) => `${f.root}/${f.path}`));
    const differs = first.files.filter((f, i) => f.content !== second.files[i]!.content).map((f) => f.path);
    expect(differs).toEqual([]);
    const stale = first.files.filter((f) => {
      const committed = join(root, f.root, f.path);
      return !existsSync(committed) || readFileSync(committed, 'utf8') !== f.content;
    });
    expect(stale.map((f) => `${f.root}/${f.path}`)).toEqual([]);
  });

  it('names the data source, licence and commit in every generated file, without timestamps', () => {
    for (const f of first.files) {
      expect(f.content).toContain('4d6325b09af308025ba7677ead284feeea2680ba');
      expect(f.content).toContain('licence MIT');
      expect(f.content.slice(0, 600)).not.toMatch(/20\d\d-\d\d-\d\d/);
    }
  });

  it('keeps the runtime route table small and data-driven', () => {
    const routes = first.files.find((f) => f.path === 'routes.ts')!.content;
    expect(routes.length).toBeLessThan(40_000); // plain lists; the largest is DYNAMIC_SEGMENTS (291 nodes)
    expect(routes).not.toMatch(/^import /m);
    expect(routes).toContain("'v3/billdownload/file'");
    expect(routes).toContain("'v3/merchant-service/images/{media_id}'");
    expect(routes).toContain("'hk/v3/statements'");
    expect(routes).toContain("'v2/risk/getpublickey': 'https://fraud.mch.weixin.qq.com/'");
    const certRequired = routes.split('V2_CERT_REQUIRED')[1]!.split('];')[0]!.match(/'v2\//g)!.length;
    expect(certRequired).toBe(57);
  });

  it('writes the generated types as types only (nothing to load at runtime)', () => {
    // routes.ts and idempotency.ts are the runtime tables (the routing rules, the endpoints a retry may repeat).
    for (const f of first.files.filter((x) => x.root === 'lib/generated' && x.path !== 'routes.ts' && x.path !== 'idempotency.ts')) {
      expect(f.content).not.toMatch(/^(export )?(const|let|var|function|class|enum) /m);
      expect(f.content).not.toMatch(/^import (?!type )/m);
    }
  });

  it('loads the same data the generator reads', () => {
    const source = loadSource(dataDir());
    expect(source.files.size).toBeGreaterThan(1100);
  });
});
