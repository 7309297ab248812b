import { Formatter } from '../../lib/util/formatter.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('Formatter.nonce', () => {
  it('is 32 characters of [0-9A-Za-z] by default', () => {
    expect(Formatter.nonce()).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it.each([1, 2, 16, 62, 1000])('is exactly %i characters when asked', (size) => {
    const nonce = Formatter.nonce(size);
    expect(nonce).toHaveLength(size);
    expect(nonce).toMatch(/^[0-9A-Za-z]+$/);
  });

  it('does not repeat itself', () => {
    const nonces = new Set(Array.from({ length: 10_000 }, () => Formatter.nonce()));
    expect(nonces.size).toBe(10_000);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses the size %p', (size) => {
    expect(() => Formatter.nonce(size)).toThrow(RangeError);
    expect(() => Formatter.nonce(size)).toThrow(/size must be a positive integer/);
  });

  it('refuses a size that is not a number', () => {
    expect(() => Formatter.nonce('32' as unknown as number)).toThrow(RangeError);
  });

  // `byte % 62` without rejection gives each of 0-7 probability 5/256 instead of 1/62: over 200k
  // characters that is a chi-square of about 1300. An unbiased source exceeds 150 (61 degrees of
  // freedom) with a probability of about 3e-9.
  it('draws every character with the same probability (chi-square over 200k characters)', () => {
    const text = Array.from({ length: 1000 }, () => Formatter.nonce(200)).join('');
    const counts = new Map<string, number>();
    for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...BASE62].sort().join(''));
    const expected = text.length / 62;
    let chiSquare = 0;
    for (const character of BASE62) chiSquare += ((counts.get(character) ?? 0) - expected) ** 2 / expected;
    expect(chiSquare).toBeLessThan(150);
  });

  it('draws every position with the same probability too (the first character is not special)', () => {
    const firsts = new Map<string, number>();
    for (let i = 0; i < 62_000; i += 1) {
      const first = Formatter.nonce(1);
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    let chiSquare = 0;
    for (const character of BASE62) chiSquare += ((firsts.get(character) ?? 0) - 1000) ** 2 / 1000;
    expect(chiSquare).toBeLessThan(150);
  });
});

describe('Formatter.timestamp', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is the unix time in whole seconds, rounded down', () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_999);
    expect(Formatter.timestamp()).toBe(1_700_000_000);
  });

  it('follows the clock', () => {
    const before = Math.floor(Date.now() / 1000);
    const timestamp = Formatter.timestamp();
    expect(Number.isSafeInteger(timestamp)).toBe(true);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });
});

describe('Formatter.authorization', () => {
  it('takes wechatpay-php arguments (mchid, nonce, signature, timestamp, serial) and writes the header value', () => {
    expect(Formatter.authorization('1230000109', 'NONCE', 'SIG+/=', '1554208460', 'SERIAL0A')).toBe(
      'WECHATPAY2-SHA256-RSA2048 mchid="1230000109",serial_no="SERIAL0A",timestamp="1554208460",nonce_str="NONCE",signature="SIG+/="',
    );
  });

  it('takes a numeric timestamp', () => {
    expect(Formatter.authorization('1', 'n', 's', 1554208460, 'S')).toContain('timestamp="1554208460"');
  });
});

describe('Formatter.request', () => {
  it('ends every line with \\n, the body line included', () => {
    expect(Formatter.request('POST', '/v3/pay/transactions/native', '1554208460', 'NONCE', '{"a":1}')).toBe(
      'POST\n/v3/pay/transactions/native\n1554208460\nNONCE\n{"a":1}\n',
    );
  });

  it('keeps an empty body as an empty last line', () => {
    expect(Formatter.request('GET', '/v3/certificates?x=1', 1554208460, 'NONCE')).toBe('GET\n/v3/certificates?x=1\n1554208460\nNONCE\n\n');
    expect(Formatter.request('GET', '/v3/certificates', 1, 'N', '')).toBe('GET\n/v3/certificates\n1\nN\n\n');
  });

  it('keeps the body byte for byte, line feeds included', () => {
    expect(Formatter.request('POST', '/v3/x', 1, 'N', 'a\nb\n')).toBe('POST\n/v3/x\n1\nN\na\nb\n\n');
  });
});

describe('Formatter.response', () => {
  it('is TIMESTAMP\\nNONCE\\nBODY\\n', () => {
    expect(Formatter.response('1554209980', 'c5ac7061fccab6bf3e254dcf98995b8c', '{"data":[]}')).toBe(
      '1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{"data":[]}\n',
    );
  });

  it('keeps an empty body as an empty last line', () => {
    expect(Formatter.response(1554209980, 'N')).toBe('1554209980\nN\n\n');
  });
});

describe('Formatter.joinedByLineFeed', () => {
  it('follows every piece with \\n', () => {
    expect(Formatter.joinedByLineFeed('wx8888888888888888', '1414561699', '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', 'prepay_id=wx201410272009395522657a690389285100')).toBe(
      'wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n',
    );
  });

  it('writes numbers and empty pieces, and nothing for no pieces', () => {
    expect(Formatter.joinedByLineFeed(1, '', 0)).toBe('1\n\n0\n');
    expect(Formatter.joinedByLineFeed()).toBe('');
  });
});

describe('Formatter.ksort', () => {
  it('sorts keys by byte order: capitals before "_" before small letters', () => {
    const sorted = Formatter.ksort({ a: 1, _: 2, B: 3, b: 4, A: 5, Z: 6, '0': 7 });
    expect(Object.keys(sorted)).toEqual(['0', 'A', 'B', 'Z', '_', 'a', 'b']);
  });

  it('compares strings, not numbers: "coupon_id_10" comes before "coupon_id_2" (PHP natural order would not)', () => {
    const sorted = Formatter.ksort({ coupon_id_2: 'c', coupon_id_10: 'b', coupon_id_1: 'a', coupon_id: 'z' });
    expect(Object.keys(sorted)).toEqual(['coupon_id', 'coupon_id_1', 'coupon_id_10', 'coupon_id_2']);
  });

  it('orders non-ASCII keys by their UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FF61 is EF BD A1 in UTF-8; U+1F600 is F0 9F 98 80 (but D83D DE00 in UTF-16, which would sort first).
    const sorted = Formatter.ksort({ '😀': 1, '｡': 2, é: 3, z: 4 });
    expect(Object.keys(sorted)).toEqual(['z', 'é', '｡', '😀']);
  });

  it('keeps the values and leaves the input alone', () => {
    const input = { b: { deep: true }, a: [1] };
    const sorted = Formatter.ksort(input);
    expect(sorted).toEqual({ a: [1], b: { deep: true } });
    expect(sorted.b).toBe(input.b);
    expect(Object.keys(input)).toEqual(['b', 'a']);
    expect(sorted).not.toBe(input);
  });

  it('keeps a "__proto__" key as a key (as JSON.parse makes it) instead of turning it into the prototype', () => {
    const input = JSON.parse('{"b":"1","__proto__":{"polluted":"yes"}}') as Record<string, unknown>;
    const sorted = Formatter.ksort(input);
    expect(Object.keys(sorted)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
    expect((sorted as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('Formatter.queryStringLike', () => {
  it('joins k=v with & in the given order, without encoding', () => {
    expect(Formatter.queryStringLike({ b: '2', a: 'x y&z=1', c: '中文' })).toBe('b=2&a=x y&z=1&c=中文');
  });

  it('skips the sign key and empty (null, undefined, "") values', () => {
    expect(Formatter.queryStringLike({ a: '1', sign: 'ABC', b: '', c: null, d: undefined, e: '2' })).toBe('a=1&e=2');
  });

  it('keeps values that are falsy but not empty', () => {
    expect(Formatter.queryStringLike({ a: 0, b: '0', c: false, d: ' ' })).toBe('a=0&b=0&c=false&d= ');
  });

  it('skips only the key named exactly "sign"', () => {
    expect(Formatter.queryStringLike({ sign_type: 'MD5', Sign: 'x', paySign: 'y' })).toBe('sign_type=MD5&Sign=x&paySign=y');
  });

  it('writes objects as JSON', () => {
    expect(Formatter.queryStringLike({ detail: { goods: [{ id: 1 }] } })).toBe('detail={"goods":[{"id":1}]}');
  });

  it('is empty for no fields', () => {
    expect(Formatter.queryStringLike({})).toBe('');
    expect(Formatter.queryStringLike({ sign: 'x', a: '' })).toBe('');
  });
});
