import { XMLParser } from 'fast-xml-parser';

import { XmlError, type XmlErrorCode } from '../../lib/errors.js';
import { Transformer } from '../../lib/util/transformer.js';
import { expectThrown } from '../support/thrown.js';

function expectXmlError(action: () => unknown, code: XmlErrorCode, message?: RegExp): XmlError {
  return expectThrown(action, XmlError, code, message);
}

/** A deterministic PRNG, so that a failing round trip can be replayed. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAY_SUCCESS_NOTIFICATION = `<xml>
  <appid><![CDATA[wx2421b1c4370ec43b]]></appid>
  <attach><![CDATA[支付测试]]></attach>
  <bank_type><![CDATA[CFT]]></bank_type>
  <fee_type><![CDATA[CNY]]></fee_type>
  <is_subscribe><![CDATA[Y]]></is_subscribe>
  <mch_id><![CDATA[10000100]]></mch_id>
  <nonce_str><![CDATA[5d2b6c2a8db53831f7eda20af46e531c]]></nonce_str>
  <openid><![CDATA[oUpF8uMEb4qRXf22hE3X68TekukE]]></openid>
  <out_trade_no><![CDATA[1409811653]]></out_trade_no>
  <result_code><![CDATA[SUCCESS]]></result_code>
  <return_code><![CDATA[SUCCESS]]></return_code>
  <sign><![CDATA[B552ED6B279343CB493C5DD0D78AB241]]></sign>
  <time_end><![CDATA[20140903131540]]></time_end>
  <total_fee>1</total_fee>
  <coupon_fee><![CDATA[10]]></coupon_fee>
  <coupon_count><![CDATA[1]]></coupon_count>
  <coupon_type><![CDATA[CASH]]></coupon_type>
  <coupon_id><![CDATA[10000]]></coupon_id>
  <trade_type><![CDATA[JSAPI]]></trade_type>
  <transaction_id><![CDATA[1004400740201409030005092168]]></transaction_id>
</xml>
`;

const UNIFIED_ORDER = `<xml>
   <appid>wx2421b1c4370ec43b</appid>
   <body>JSAPI支付测试</body>
   <detail><![CDATA[{ "goods_detail":[ { "goods_id":"iphone6s_16G", "price":528800, "body":"苹果手机" } ] }]]></detail>
   <total_fee>1</total_fee>
   <sign>0CB01533B8C1EF103065174F50BCA001</sign>
</xml>`;

const NGINX_404 =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n' +
  '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

describe('Transformer.toArray', () => {
  it('reads a payment notification: CDATA unwrapped, every value a string', () => {
    expect(Transformer.toArray(PAY_SUCCESS_NOTIFICATION)).toEqual({
      appid: 'wx2421b1c4370ec43b',
      attach: '支付测试',
      bank_type: 'CFT',
      fee_type: 'CNY',
      is_subscribe: 'Y',
      mch_id: '10000100',
      nonce_str: '5d2b6c2a8db53831f7eda20af46e531c',
      openid: 'oUpF8uMEb4qRXf22hE3X68TekukE',
      out_trade_no: '1409811653',
      result_code: 'SUCCESS',
      return_code: 'SUCCESS',
      sign: 'B552ED6B279343CB493C5DD0D78AB241',
      time_end: '20140903131540',
      total_fee: '1',
      coupon_fee: '10',
      coupon_count: '1',
      coupon_type: 'CASH',
      coupon_id: '10000',
      trade_type: 'JSAPI',
      transaction_id: '1004400740201409030005092168',
    });
  });

  it('reads plain text and CDATA side by side', () => {
    expect(Transformer.toArray(UNIFIED_ORDER)).toEqual({
      appid: 'wx2421b1c4370ec43b',
      body: 'JSAPI支付测试',
      detail: '{ "goods_detail":[ { "goods_id":"iphone6s_16G", "price":528800, "body":"苹果手机" } ] }',
      total_fee: '1',
      sign: '0CB01533B8C1EF103065174F50BCA001',
    });
  });

  it('never turns text into numbers or booleans', () => {
    const xml =
      '<xml><total_fee>0100</total_fee><transaction_id>4200001234567890123456789012</transaction_id>' +
      '<e>1e5</e><h>0x1F</h><f>1.50</f><b>true</b><n>-0</n></xml>';
    expect(Transformer.toArray(xml)).toEqual({
      total_fee: '0100',
      transaction_id: '4200001234567890123456789012',
      e: '1e5',
      h: '0x1F',
      f: '1.50',
      b: 'true',
      n: '-0',
    });
  });

  it('reads an empty document and empty elements', () => {
    expect(Transformer.toArray()).toEqual({});
    expect(Transformer.toArray('<xml/>')).toEqual({});
    expect(Transformer.toArray('<xml></xml>')).toEqual({});
    expect(Transformer.toArray('<xml><a/><b></b><c><![CDATA[]]></c></xml>')).toEqual({ a: '', b: '', c: '' });
  });

  it('reads nested elements as objects and repeated elements as arrays', () => {
    const xml =
      '<xml><coupon><id>1</id><fee>10</fee></coupon><item>a</item><item><x>1</x></item><item>c</item>' +
      '<list><row><k>1</k></row><row><k>2</k></row></list></xml>';
    expect(Transformer.toArray(xml)).toEqual({
      coupon: { id: '1', fee: '10' },
      item: ['a', { x: '1' }, 'c'],
      list: { row: [{ k: '1' }, { k: '2' }] },
    });
  });

  it('ignores the declaration, attributes, comments and processing instructions', () => {
    const xml = '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<xml version="2"><a x="1">t<!-- note -->u</a><?pi data?><!-- c --></xml>';
    expect(Transformer.toArray(xml)).toEqual({ a: 'tu' });
  });

  it('decodes the predefined entities and character references in text, once', () => {
    const xml = '<xml><a>&lt;&gt;&amp;&quot;&apos;</a><b>&amp;lt;</b><c>&#65;&#x42;&#x1F600;&#20013;</c></xml>';
    expect(Transformer.toArray(xml)).toEqual({ a: '<>&"\'', b: '&lt;', c: 'AB😀中' });
  });

  it('does not decode anything inside CDATA', () => {
    expect(Transformer.toArray('<xml><a><![CDATA[&lt;&amp;&#65;&e;]]></a></xml>')).toEqual({ a: '&lt;&amp;&#65;&e;' });
  });

  it('keeps whitespace inside values and normalises line ends as XML does', () => {
    expect(Transformer.toArray('<xml><a>  x  </a><b>\t</b><c>1\r\n2\r3</c><d>&#13;</d></xml>')).toEqual({
      a: '  x  ',
      b: '\t',
      c: '1\n2\n3',
      d: '\r',
    });
  });

  it('joins text around CDATA sections', () => {
    expect(Transformer.toArray('<xml><a> <![CDATA[x]]> &amp; <![CDATA[y]]></a></xml>')).toEqual({ a: ' x & y' });
  });

  it('drops text that sits beside child elements, the root element\'s own text included', () => {
    expect(Transformer.toArray('<xml>lead<a>1</a>tail</xml>')).toEqual({ a: '1' });
    expect(Transformer.toArray('<xml>only text</xml>')).toEqual({});
  });

  it('removes characters XML 1.0 cannot carry before parsing (as wechatpay-php)', () => {
    expect(Transformer.toArray('<xml><a>b\u0000c\u0008d\uFFFEe</a></xml>')).toEqual({ a: 'bcde' });
  });

  it('does not check the root name: a well-formed HTML page parses as any document (documented)', () => {
    expect(Transformer.toArray('<qqpay><a>1</a></qqpay>')).toEqual({ a: '1' });
    const page = '<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>';
    expect(Transformer.toArray(page)).toEqual({ head: { title: '404 Not Found' }, body: { h1: '404 Not Found' } });
  });

  it('keeps names such as toString and hasOwnProperty as plain own keys', () => {
    const data = Transformer.toArray('<xml><toString>1</toString><hasOwnProperty>2</hasOwnProperty><valueOf>3</valueOf></xml>');
    expect(Object.keys(data)).toEqual(['toString', 'hasOwnProperty', 'valueOf']);
    expect(data.toString).toBe('1');
    expect(Object.prototype.hasOwnProperty.call(data, 'hasOwnProperty')).toBe(true);
    expect(typeof ({} as Record<string, unknown>).toString).toBe('function');
  });

  describe('refuses, before parsing, any DOCTYPE or ENTITY declaration', () => {
    let parse: jest.SpiedFunction<XMLParser['parse']>;
    beforeAll(() => {
      parse = jest.spyOn(XMLParser.prototype, 'parse');
    });
    beforeEach(() => parse.mockClear());
    afterAll(() => parse.mockRestore());

    it.each([
      ['an external entity (XXE)', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>'],
      [
        'wechatpay-php\'s XXE fixture',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://tst.qq.com/xxe_inject/463103c2ee4067e1c4f5318440dc245d">]>\n<foo><value>&xxe;</value></foo>\n',
      ],
      [
        'a billion-laughs entity bomb',
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
          Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
          ']><xml><a>&lol9;</a></xml>',
      ],
      ['an HTML5 page', '<!doctype html><html><body>502 Bad Gateway</body></html>'],
      ['a lone ENTITY declaration', '<xml><!ENTITY e "x"><a>&e;</a></xml>'],
      ['a DOCTYPE hidden by a NUL (sanitised first, then checked)', '<!DOC\u0000TYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml/>'],
    ])('%s', (_name, xml) => {
      expectXmlError(() => Transformer.toArray(xml), 'EXML_DOCTYPE', /DOCTYPE or ENTITY declaration is refused/);
      expect(parse).not.toHaveBeenCalled();
    });

    it('(the spy does see ordinary documents)', () => {
      Transformer.toArray('<xml/>');
      expect(parse).toHaveBeenCalledTimes(1);
    });
  });

  it('never expands an entity that is not predefined', () => {
    expectXmlError(() => Transformer.toArray('<xml><a>&e;</a></xml>'), 'EXML_MALFORMED', /entity "&e;" is not declared/);
    expectXmlError(() => Transformer.toArray('<xml><a>x&nbsp;y</a></xml>'), 'EXML_MALFORMED', /entity "&nbsp;" is not declared/);
  });

  it.each([
    ['NUL', '&#0;'],
    ['a surrogate', '&#xD800;'],
    ['beyond Unicode', '&#x110000;'],
    ['far beyond Unicode', '&#99999999999999999999;'],
    ['a C0 control', '&#x1;'],
  ])('refuses a character reference to %s', (_name, reference) => {
    expectXmlError(() => Transformer.toArray(`<xml><a>${reference}</a></xml>`), 'EXML_MALFORMED', /character XML cannot carry/);
  });

  it('refuses a stray ampersand', () => {
    expectXmlError(() => Transformer.toArray('<xml><a>&#x;</a></xml>'), 'EXML_MALFORMED', /bare "&"/);
    expectXmlError(() => Transformer.toArray('<xml><a>fish & chips</a></xml>'), 'EXML_MALFORMED');
  });

  it.each([
    ['an nginx 404 page (an unclosed <hr>)', NGINX_404],
    ['a truncated response', PAY_SUCCESS_NOTIFICATION.slice(0, 300)],
    ['a missing end tag', '<xml><a>1</a>'],
    ['mismatched tags', '<xml><a>1</b></xml>'],
    ['plain text', 'system busy'],
    ['JSON', '{"code":"PARAM_ERROR","message":"bad"}'],
    ['an empty string', ''],
    ['only whitespace', ' \n\t'],
    ['text after the root', '<xml><a>1</a></xml>trailing'],
    ['two roots', '<xml><a>1</a></xml><xml><a>2</a></xml>'],
    ['two empty roots', '<a/><b/>'],
    ['a tag name that is not an XML name', '<xml><1a>x</1a></xml>'],
    ['too deep a nesting', `${'<a>'.repeat(150)}${'</a>'.repeat(150)}`],
  ])('refuses %s as EXML_MALFORMED', (_name, xml) => {
    expectXmlError(() => Transformer.toArray(xml), 'EXML_MALFORMED', /not a well-formed XML document/);
  });

  it('reads 100 levels of nesting', () => {
    let expected: Record<string, unknown> | string = '';
    for (let level = 1; level < 100; level += 1) expected = { a: expected };
    expect(Transformer.toArray(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)).toEqual(expected);
  });

  it('refuses "<!DOCTYPE" even inside a CDATA value (a false positive preferred to a parser-dependent scan)', () => {
    expectXmlError(() => Transformer.toArray('<xml><attach><![CDATA[<!DOCTYPE html>]]></attach></xml>'), 'EXML_DOCTYPE');
    expectXmlError(() => Transformer.toArray('<xml><!-- <![CDATA[ --><!DOCTYPE x><!-- ]]> --></xml>'), 'EXML_DOCTYPE');
  });

  it('says where a document is broken', () => {
    expectXmlError(() => Transformer.toArray('<xml>\n<a>1</b></xml>'), 'EXML_MALFORMED', /line 2/);
    expectXmlError(() => Transformer.toArray('<a/><b/>'), 'EXML_MALFORMED', /expected one root element, found 2/);
  });

  it.each([
    '<xml><__proto__><polluted>yes</polluted></__proto__></xml>',
    '<xml><__proto__/></xml>',
    '<xml><__proto__ /></xml>',
    '<xml><constructor><prototype><polluted>yes</polluted></prototype></constructor></xml>',
    '<xml><a><prototype>x</prototype></a></xml>',
    '<__proto__><polluted>yes</polluted></__proto__>',
  ])('refuses prototype-reaching element names without polluting anything: %s', (xml) => {
    expectXmlError(() => Transformer.toArray(xml), 'EXML_MALFORMED', /element name "(__proto__|constructor|prototype)" is refused/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('ignores attributes named like prototype members', () => {
    const data = Transformer.toArray('<xml __proto__="x" constructor="y"><a __proto__="z">1</a></xml>');
    expect(data).toEqual({ a: '1' });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['a Buffer', Buffer.from('<xml/>')],
    ['an object', { xml: '' }],
  ])('refuses %s as EXML_INPUT', (_name, input) => {
    expectXmlError(() => Transformer.toArray(input as unknown as string), 'EXML_INPUT', /expected an XML string/);
  });

  it('serialises its errors safely', () => {
    const error = expectXmlError(() => Transformer.toArray('<xml>'), 'EXML_MALFORMED');
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'XmlError', code: 'EXML_MALFORMED', message: error.message });
  });
});

describe('Transformer.sanitize', () => {
  it('removes what XML 1.0 cannot carry and keeps everything else', () => {
    expect(Transformer.sanitize('a\u0000\u0001\u001F\uFFFE\uFFFFb\uD800c')).toBe('abc');
    expect(Transformer.sanitize('\t\n\r 中😀\uE000\uFFFD')).toBe('\t\n\r 中😀\uE000\uFFFD');
  });
});

describe('Transformer.toXml', () => {
  it('writes <xml><k>v</k>...</xml> without a declaration or line breaks by default', () => {
    expect(Transformer.toXml({ appid: 'wx2421b1c4370ec43b', mch_id: '10000100', body: '支付测试' })).toBe(
      '<xml><appid>wx2421b1c4370ec43b</appid><mch_id>10000100</mch_id><body>支付测试</body></xml>',
    );
  });

  it.each([
    ['<', 'a<b'],
    ['>', 'a>b'],
    ['&', 'a&b'],
    ['"', 'say "hi"'],
  ])('wraps a value containing %s in CDATA', (_char, value) => {
    expect(Transformer.toXml({ v: value })).toBe(`<xml><v><![CDATA[${value}]]></v></xml>`);
  });

  it("writes other values as text, the apostrophe included", () => {
    expect(Transformer.toXml({ v: "it's ok" })).toBe("<xml><v>it's ok</v></xml>");
  });

  it('splits every "]]>" across two CDATA sections', () => {
    expect(Transformer.toXml({ v: 'a]]>b]]>' })).toBe('<xml><v><![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]></v></xml>');
  });

  it('cannot be broken out of: an injected sign stays inside the value', () => {
    const attack = ']]></detail><sign>FORGED</sign><detail><![CDATA[';
    const xml = Transformer.toXml({ detail: attack, sign: 'REAL' });
    expect(Transformer.toArray(xml)).toEqual({ detail: attack, sign: 'REAL' });
    const closing = '</xml><xml><sign>FORGED</sign>';
    expect(Transformer.toArray(Transformer.toXml({ detail: closing }))).toEqual({ detail: closing });
  });

  it('writes a carriage return as &#13; so that it survives parsing', () => {
    expect(Transformer.toXml({ v: 'a\r\nb' })).toBe('<xml><v>a&#13;\nb</v></xml>');
    expect(Transformer.toXml({ v: '<\r>' })).toBe('<xml><v><![CDATA[<]]>&#13;<![CDATA[>]]></v></xml>');
  });

  it('writes numbers, bigints and booleans as strings, null as an empty element, and skips undefined', () => {
    expect(
      Transformer.toXml({ total_fee: 100, rate: 0.5, big: 12345678901234567890n, yes: true, no: false, none: null, skipped: undefined }),
    ).toBe('<xml><total_fee>100</total_fee><rate>0.5</rate><big>12345678901234567890</big><yes>true</yes><no>false</no><none></none></xml>');
  });

  it('writes arrays as repeated item elements, and objects as nested elements', () => {
    const data = { detail: [{ goods_detail: '华为手机', url: 'https://huawei.com' }, 'plain'], scene: { id: '1', area: { code: '440305' } } };
    expect(Transformer.toXml(data)).toBe(
      '<xml><detail><item><goods_detail>华为手机</goods_detail><url>https://huawei.com</url></item><item>plain</item></detail>' +
        '<scene><id>1</id><area><code>440305</code></area></scene></xml>',
    );
    expect(Transformer.toXml({ list: ['a', ['b', undefined]] }, true, false, 'root', 'li')).toBe(
      '<root><list><li>a</li><li><li>b</li></li></list></root>',
    );
  });

  it('writes empty containers as empty elements', () => {
    expect(Transformer.toXml({})).toBe('<xml></xml>');
    expect(Transformer.toXml({ a: [], b: {} })).toBe('<xml><a></a><b></b></xml>');
  });

  it('adds the declaration when not headless', () => {
    expect(Transformer.toXml({ a: '1' }, false)).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<xml><a>1</a></xml>\n');
  });

  it('indents one element a line, one space a level (as PHP XMLWriter)', () => {
    const data = { appid: 'wx2421b1c4370ec43b', detail: [{ goods_detail: '华为手机' }], empty: '' };
    expect(Transformer.toXml(data, false, true, 'qqpay')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<qqpay>\n' +
        ' <appid>wx2421b1c4370ec43b</appid>\n' +
        ' <detail>\n' +
        '  <item>\n' +
        '   <goods_detail>华为手机</goods_detail>\n' +
        '  </item>\n' +
        ' </detail>\n' +
        ' <empty></empty>\n' +
        '</qqpay>\n',
    );
    expect(Transformer.toXml({ a: '1' }, true, true)).toBe('<xml>\n <a>1</a>\n</xml>\n');
  });

  it('accepts an object without a prototype', () => {
    const data = Object.assign(Object.create(null) as Record<string, unknown>, { a: '1' });
    expect(Transformer.toXml(data)).toBe('<xml><a>1</a></xml>');
  });

  it.each(['a b', '1a', '', 'a:b', '-a', 'a<b', 'a/b', '𠀀'])('refuses the key %p', (key) => {
    expectXmlError(() => Transformer.toXml({ [key]: 'x' }), 'EXML_INPUT', /is not an XML element name/);
  });

  it('refuses prototype-reaching keys, also nested', () => {
    expectXmlError(() => Transformer.toXml(JSON.parse('{"__proto__":"x"}') as Record<string, unknown>), 'EXML_INPUT', /xml\.__proto__/);
    expectXmlError(() => Transformer.toXml({ a: { constructor: 'x' } }), 'EXML_INPUT', /xml\.a\.constructor/);
    expectXmlError(() => Transformer.toXml({ prototype: 'x' }), 'EXML_INPUT');
  });

  it('accepts XML names beyond ASCII', () => {
    expect(Transformer.toXml({ 金额: '1', _x: '2', 'a-b.c': '3', é: '4' })).toBe('<xml><金额>1</金额><_x>2</_x><a-b.c>3</a-b.c><é>4</é></xml>');
  });

  it('refuses a root or item name that is not an XML name', () => {
    expectXmlError(() => Transformer.toXml({ a: '1' }, true, false, 'x y'), 'EXML_INPUT', /root name/);
    expectXmlError(() => Transformer.toXml({ a: '1' }, true, false, 'xml', ''), 'EXML_INPUT', /item name/);
    expectXmlError(() => Transformer.toXml({ a: '1' }, true, false, 42 as unknown as string), 'EXML_INPUT', /root name .*: 42$/);
    expectXmlError(() => Transformer.toXml({ a: '1' }, true, false, 'xml', Symbol('li') as unknown as string), 'EXML_INPUT', /Symbol\(li\)/);
  });

  it.each([
    ['a NUL', { v: 'a\u0000b' }, /xml\.v contains U\+0000/],
    ['a C0 control', { v: 'a\u0008b' }, /U\+0008/],
    ['a lone surrogate', { v: 'a\uD800b' }, /U\+D800/],
    ['U+FFFF', { v: '\uFFFF' }, /U\+FFFF/],
    ['NaN', { v: Number.NaN }, /xml\.v is NaN/],
    ['Infinity', { v: Number.POSITIVE_INFINITY }, /Infinity/],
    ['a function', { v: () => 'x' }, /a function/],
    ['a symbol', { v: Symbol('x') }, /a symbol/],
    ['a Date', { v: new Date(0) }, /an instance of Date/],
    ['a Buffer', { v: Buffer.from('x') }, /an instance of Buffer/],
    ['a Map inside an array', { v: [new Map()] }, /xml\.v\.item is an instance of Map/],
  ])('refuses a value with %s', (_name, data, message) => {
    expectXmlError(() => Transformer.toXml(data), 'EXML_INPUT', message);
  });

  it('does not repeat a refused value in the error', () => {
    const error = expectXmlError(() => Transformer.toXml({ v: 'secret-value\u0001' }), 'EXML_INPUT');
    expect(error.message).not.toContain('secret-value');
  });

  it('refuses circular data, but not shared data', () => {
    const loop: Record<string, unknown> = { a: '1' };
    loop.self = { again: loop };
    expectXmlError(() => Transformer.toXml(loop), 'EXML_INPUT', /circular/);
    const list: unknown[] = ['x'];
    list.push(list);
    expectXmlError(() => Transformer.toXml({ list }), 'EXML_INPUT', /circular/);
    const shared = { k: 'v' };
    expect(Transformer.toXml({ a: shared, b: shared })).toBe('<xml><a><k>v</k></a><b><k>v</k></b></xml>');
  });

  it.each([
    ['null', null],
    ['an array', ['a']],
    ['a string', '<xml/>'],
    ['a Map', new Map([['a', '1']])],
  ])('refuses %s as data', (_name, data) => {
    expectXmlError(() => Transformer.toXml(data as unknown as Record<string, unknown>), 'EXML_INPUT', /data must be a plain object/);
  });
});

describe('Transformer round trip', () => {
  const HOSTILE = [
    ']]>',
    'a]]>b',
    ']]]]>',
    ']]',
    '<![CDATA[',
    '<![CDATA[x]]>',
    '</xml>',
    '</xml><xml>',
    '&amp;',
    '&lt;&#60;&#x3C;',
    '&e;',
    '<!-- comment -->',
    '<?pi x?>',
    '"quoted" \'single\'',
    '  leading and trailing  ',
    '\t\n',
    'line\r\nbreaks\rand\nmore\r',
    '\r',
    '中文字符与全角标点，。',
    '😀👨‍👩‍👧 emoji',
    '\uE000\uFFFD',
    '',
    '0100',
  ];

  it.each(HOSTILE.map((value) => [JSON.stringify(value), value]))('keeps %s as it was', (_label, value) => {
    const data = { value, sign: 'S' };
    expect(Transformer.toArray(Transformer.toXml(data))).toEqual(data);
    expect(Transformer.toArray(Transformer.toXml(data, false, true))).toEqual(data);
  });

  it('keeps random maps of hostile strings as they were', () => {
    const random = mulberry32(20240601);
    const pieces = [...HOSTILE, 'a', 'b', '<', '>', '&', '"', "'", ']', '[', '!', ' ', '\n', '\r', '\t', '中', '😀', '\u00A0'];
    const keys = ['appid', 'mch_id', 'body', 'detail', 'attach', 'x', '金额', 'a.b-c_d'];
    for (let run = 0; run < 300; run += 1) {
      const data: Record<string, string> = {};
      for (const key of keys) {
        if (random() < 0.3) continue;
        let value = '';
        const length = Math.floor(random() * 12);
        for (let i = 0; i < length; i += 1) value += pieces[Math.floor(random() * pieces.length)];
        data[key] = value;
      }
      const headless = random() < 0.5;
      const indent = random() < 0.5;
      expect({ run, data: Transformer.toArray(Transformer.toXml(data, headless, indent)) }).toEqual({ run, data });
    }
  });
});
