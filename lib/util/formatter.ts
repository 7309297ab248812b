import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Bytes at or above this are dropped so that `byte % 62` is uniform (248 = 62 * 4). */
const UNBIASED_LIMIT = 248;

/** CSPRNG bytes drawn in blocks (one system call per ~100 nonces); every byte is used once. */
const pool = { bytes: Buffer.alloc(0), offset: 0 };
function randomByte(): number {
  if (pool.offset >= pool.bytes.length) {
    pool.bytes = randomBytes(4096);
    pool.offset = 0;
  }
  return pool.bytes[pool.offset++]!;
}

/** The strings of the WeChat Pay protocol, with wechatpay-php's names and argument orders. */
export const Formatter = {
  /** `size` random characters of `[0-9A-Za-z]`, from the CSPRNG, without modulo bias. */
  nonce(size = 32): string {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`Formatter.nonce: size must be a positive integer, got ${String(size)}`);
    }
    let out = '';
    while (out.length < size) {
      const byte = randomByte();
      if (byte < UNBIASED_LIMIT) out += BASE62[byte % 62];
    }
    return out;
  },

  /** The current unix time in whole seconds. */
  timestamp(): number {
    return Math.floor(Date.now() / 1000);
  },

  /** The APIv3 `Authorization` header value. */
  authorization(mchid: string, nonce: string, signature: string, timestamp: string | number, serial: string): string {
    return (
      `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",serial_no="${serial}",` +
      `timestamp="${timestamp}",nonce_str="${nonce}",signature="${signature}"`
    );
  },

  /** The APIv3 request string to sign: `METHOD\nURI\nTIMESTAMP\nNONCE\nBODY\n`. */
  request(method: string, uri: string, timestamp: string | number, nonce: string, body = ''): string {
    return Formatter.joinedByLineFeed(method, uri, timestamp, nonce, body);
  },

  /** The APIv3 response (and notification) string to verify: `TIMESTAMP\nNONCE\nBODY\n`. */
  response(timestamp: string | number, nonce: string, body = ''): string {
    return Formatter.joinedByLineFeed(timestamp, nonce, body);
  },

  /** Every piece followed by `\n`, the last one included. */
  joinedByLineFeed(...pieces: Array<string | number>): string {
    return pieces.map((piece) => `${piece}\n`).join('');
  },

  /**
   * A copy of `thing` with its keys in UTF-8 byte order, as the platform sorts them (wechatpay-php's
   * natural, case-insensitive order differs for keys such as `coupon_id_10`). JavaScript still lists
   * integer-like keys (`"10"`) first, in numeric order; no APIv2 field is named like that.
   */
  ksort<T>(thing: Record<string, T>): Record<string, T> {
    // fromEntries defines own properties: a `__proto__` key stays a key instead of becoming the prototype.
    return Object.fromEntries(Object.keys(thing).sort(byteOrder).map((key) => [key, thing[key] as T]));
  },

  /** `k=v` pairs joined by `&`, skipping the `sign` key and empty (`null`, `undefined`, `''`) values. */
  queryStringLike(thing: Record<string, unknown>): string {
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(thing)) {
      if (key === 'sign' || value === null || value === undefined || value === '') continue;
      pairs.push(`${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
    }
    return pairs.join('&');
  },
};

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
