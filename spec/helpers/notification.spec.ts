/**
 * Notifications are built here by an independent implementation (node:crypto only): AES-256-GCM with the
 * APIv3 key for the resource, RSA-SHA256 with the platform key over `timestamp\nnonce\nbody\n`.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Builder } from '../../lib/core/builder.js';
import { ConfigError, VerificationError } from '../../lib/errors.js';
import { Notification } from '../../lib/helpers/notification.js';
import { thrown } from '../support/thrown.js';
import { keyPair, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUBLIC_KEY_ID, signWith } from '../support/platform.js';

const APIV3_KEY = 'NotifyKey0123456789abcdefghijklm';
const platformKey = keyPair('platform');
const publicKeyPair = keyPair('platform-public-key');
const certs = { [PLATFORM_SERIAL]: platformKey.publicPem, [PUBLIC_KEY_ID]: publicKeyPair.publicPem };
const transaction = { mchid: MCHID, appid: 'wxd678efh567hg6787', out_trade_no: '1217752501201407033233368018', transaction_id: '1217752501201407033233368018', trade_state: 'SUCCESS', amount: { total: 100, payer_total: 100, currency: 'CNY' } };

function encrypt(plaintext: string, key = APIV3_KEY, nonce = randomBytes(6).toString('hex'), aad = 'transaction') {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64');
  return { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce };
}

interface Built {
  headers: Record<string, string>;
  body: string;
}

function notification(overrides: { resource?: object; timestamp?: number; serial?: string; signingKey?: import('node:crypto').KeyObject; body?: (body: string) => string; signature?: string } = {}): Built {
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2015-05-20T13:29:35+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: overrides.resource ?? encrypt(JSON.stringify(transaction)),
  });
  const timestamp = String(overrides.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const serial = overrides.serial ?? PLATFORM_SERIAL;
  const key = overrides.signingKey ?? (serial === PUBLIC_KEY_ID ? publicKeyPair.privateKey : platformKey.privateKey);
  return {
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': serial,
      'wechatpay-signature': overrides.signature ?? signWith(key, `${timestamp}\n${nonce}\n${body}\n`),
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      'content-type': 'application/json',
    },
    body: overrides.body ? overrides.body(body) : body,
  };
}

const parser = Notification.create({ certs, apiv3Key: APIV3_KEY });

describe('Notification.parse', () => {
  it('verifies, decrypts and returns the envelope with the resource as an object', () => {
    const parsed = parser.parse<typeof transaction>(notification());
    expect(parsed).toMatchObject({ id: 'EV-2018022511223320873', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功', resource: transaction });
    expect(parsed.resource_meta).toEqual({ original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction', nonce: expect.any(String) });
  });

  it('narrows a parsed notification by event type', () => {
    const parsed = parser.parse(notification());
    expect(Notification.isEvent(parsed, 'TRANSACTION.SUCCESS')).toBe(true);
    expect(Notification.isEvent(parsed, 'REFUND.SUCCESS')).toBe(false);
  });

  it('accepts a Buffer body, upper-case or mixed-case header names, the public key id, and an empty aad', () => {
    const built = notification({ serial: PUBLIC_KEY_ID, resource: encrypt(JSON.stringify(transaction), APIV3_KEY, undefined, '') });
    const headers = Object.fromEntries(Object.entries(built.headers).map(([k, v]) => [k.replace(/(^|-)\w/g, (c) => c.toUpperCase()), v]));
    expect(Notification.parse({ headers, body: Buffer.from(built.body) }, { certs, apiv3Key: APIV3_KEY }).resource).toEqual(transaction);
  });

  const tampered: Array<[string, () => Built, string]> = [
    ['a changed body byte', () => notification({ body: (b) => b.replace('支付成功', '支付失败') }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a re-serialised body (same JSON, other spacing)', () => notification({ body: (b) => JSON.stringify(JSON.parse(b), null, 1) }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a timestamp 301 s old', () => notification({ timestamp: Math.floor(Date.now() / 1000) - 301 }), 'EV3_RES_HEADER_TIMESTAMP_OFFSET'],
    ['an unknown serial', () => notification({ serial: 'ABCDEF', signingKey: platformKey.privateKey }), 'EV3_RES_HEADER_PLATFORM_SERIAL'],
    ['a signature by another key', () => notification({ signingKey: keyPair('attacker').privateKey }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a probe signature', () => notification({ signature: 'WECHATPAY/SIGNTEST/AAAA' }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a tampered GCM tag', () => {
      const resource = encrypt(JSON.stringify(transaction));
      const bytes = Buffer.from(resource.ciphertext, 'base64');
      bytes[bytes.length - 1]! ^= 1;
      return notification({ resource: { ...resource, ciphertext: bytes.toString('base64') } });
    }, 'EV3_NOTIFY_RESOURCE'],
    ['a resource encrypted with another key', () => notification({ resource: encrypt('{}', 'x'.repeat(32)) }), 'EV3_NOTIFY_RESOURCE'],
    ['another algorithm', () => notification({ resource: { ...encrypt('{}'), algorithm: 'AEAD_AES_128_GCM' } }), 'EV3_NOTIFY_RESOURCE'],
    ['a changed associated_data', () => notification({ resource: { ...encrypt('{}'), associated_data: 'refund' } }), 'EV3_NOTIFY_RESOURCE'],
  ];

  it.each(tampered)('rejects %s', (_label, build, code) => {
    const error = thrown(() => parser.parse(build()));
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).code).toBe(code);
    expect(inspect(error)).not.toContain(APIV3_KEY);
  });

  it.each(['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Serial', 'Wechatpay-Signature'])('rejects a missing %s', (header) => {
    const built = notification();
    Reflect.deleteProperty(built.headers, header.toLowerCase());
    expect(() => parser.parse(built)).toThrow(expect.objectContaining({ code: 'EV3_RES_HEADERS_INCOMPLETE' }));
  });

  it('refuses an already-parsed object and says why, with a code of its own (a wiring mistake, not an attack)', () => {
    const built = notification();
    expect(() => parser.parse({ headers: built.headers, body: JSON.parse(built.body) })).toThrow(/raw body.*already-parsed object/);
    expect(() => parser.parse({ headers: built.headers, body: JSON.parse(built.body) })).toThrow(expect.objectContaining({ code: 'EV3_NOTIFY_RAW_BODY' }));
  });

  it('checks the APIv3 key length and the certs at setup, not at the first callback', () => {
    expect(() => Notification.create({ certs, apiv3Key: APIV3_KEY.slice(1) })).toThrow(expect.objectContaining({ field: 'apiv3Key', constructor: ConfigError }));
    expect(() => Notification.create({ certs: {}, apiv3Key: APIV3_KEY })).toThrow(ConfigError);
  });

  it('is bound to a client configured with apiv3Key', () => {
    const merchant = keyPair('merchant');
    const base = { mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: merchant.privatePem, certs };
    expect(Builder.factory({ ...base, apiv3Key: APIV3_KEY }).notification.parse(notification()).resource).toEqual(transaction);
    expect(() => Builder.factory(base).notification.parse(notification())).toThrow(expect.objectContaining({ field: 'apiv3Key' }));
    expect(() => Builder.factory({ ...base, apiv3Key: 'short' })).toThrow(expect.objectContaining({ field: 'apiv3Key' }));
  });

  it('replies success with 204 and failure with {"code":"FAIL"}', () => {
    expect(Notification.success()).toEqual({ status: 204, headers: {}, body: '' });
    expect(Notification.failure('busy')).toEqual({ status: 500, headers: { 'Content-Type': 'application/json' }, body: '{"code":"FAIL","message":"busy"}' });
    expect(Notification.failure('bad', 200).status).toBe(500);
    expect(Notification.failure('bad', 400).status).toBe(400);
  });
});

describe('a node:http handler with Notification.fromNodeRequest', () => {
  it('keeps the raw body, verifies it and answers', async () => {
    const handled: unknown[] = [];
    const server = createServer((req, res) => {
      void Notification.fromNodeRequest(req).then((raw) => {
        let reply;
        try {
          handled.push(parser.parse(raw).resource);
          reply = Notification.success();
        } catch (error) {
          reply = Notification.failure((error as Error).message.slice(0, 80), 401);
        }
        res.writeHead(reply.status, reply.headers).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const post = (built: Built) => new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/notify', headers: built.headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(built.body);
    });
    try {
      expect(await post(notification())).toBe(204);
      expect(await post(notification({ body: (b) => `${b} ` }))).toBe(401);
      expect(handled).toEqual([transaction]);
    } finally {
      server.close();
    }
  });
});

/** Any text, signed by the platform as a notification body. */
function signedText(body: string): Built {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  return {
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': PLATFORM_SERIAL,
      'wechatpay-signature': signWith(platformKey.privateKey, `${timestamp}\n${nonce}\n${body}\n`),
    },
    body,
  };
}

describe('maxClockOffset of Notification.create is checked as Builder.factory checks it', () => {
  const merchant = keyPair('merchant');
  const base = { mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: merchant.privatePem, certs };

  it.each([NaN, Infinity, -1, 'abc', '300', Number(process.env['WECHATPAY_UNSET_VARIABLE'])])('refuses %p', (maxClockOffset) => {
    const inNotification = thrown(() => Notification.create({ certs, apiv3Key: APIV3_KEY, maxClockOffset: maxClockOffset as number }));
    const inFactory = thrown(() => Builder.factory({ ...base, maxClockOffset: maxClockOffset as number }));
    expect(inNotification).toBeInstanceOf(ConfigError);
    expect(inNotification).toMatchObject({ field: 'maxClockOffset', message: inFactory.message });
  });

  it('so a 30-day-old notification is never accepted through an unset variable', () => {
    const old = notification({ timestamp: Math.floor(Date.now() / 1000) - 30 * 86_400 });
    expect(() => Notification.parse(old, { certs, apiv3Key: APIV3_KEY, maxClockOffset: Number(process.env['WECHATPAY_UNSET_VARIABLE']) })).toThrow(ConfigError);
  });

  it('takes 0 and any finite number of seconds', () => {
    expect(() => Notification.create({ certs, apiv3Key: APIV3_KEY, maxClockOffset: 0 })).not.toThrow();
    expect(Notification.parse(notification(), { certs, apiv3Key: APIV3_KEY, maxClockOffset: 60 }).resource).toEqual(transaction);
  });
});

describe('odd notification inputs end in a VerificationError', () => {
  it.each(['null', '[]', '42', '"text"', 'true', '{"resource":null}', '{"resource":[]}', '{"resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":1,"nonce":2}}'])(
    'a signed body of %s', (body) => {
      const error = thrown(() => parser.parse(signedText(body)));
      expect(error).toBeInstanceOf(VerificationError);
      expect(error).toMatchObject({ code: 'EV3_NOTIFY_RESOURCE' });
    });

  it('a missing request, headers or body, or header values without a string form', () => {
    const noStringForm = Object.create(null) as object;
    for (const request of [undefined, null, {}, { headers: null, body: '{}' }, { headers: {}, body: null },
      { headers: { 'Wechatpay-Serial': noStringForm, '': [noStringForm] }, body: '{}' }, { headers: new Map([[noStringForm, 1]]), body: '{}' }]) {
      expect(thrown(() => parser.parse(request as never))).toBeInstanceOf(VerificationError);
    }
  });
});

describe('headers given as a fetch Headers object (or a Map) are read', () => {
  it('verifies a notification whose headers are a Headers object', () => {
    const built = notification();
    expect(parser.parse({ headers: new Headers(built.headers), body: built.body }).resource).toEqual(transaction);
  });

  it('verifies a notification whose headers are a Map', () => {
    const built = notification();
    expect(parser.parse({ headers: new Map(Object.entries(built.headers)), body: built.body }).resource).toEqual(transaction);
  });

  it('and a failure carries them as a plain object', () => {
    const built = notification({ signature: 'WECHATPAY/SIGNTEST/AAAA' });
    const error = thrown(() => parser.parse({ headers: new Headers(built.headers), body: built.body })) as VerificationError;
    expect(error).toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    expect(error.headers).toMatchObject({ 'wechatpay-serial': PLATFORM_SERIAL });
  });
});
