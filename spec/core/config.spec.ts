import { inspect } from 'node:util';
import { Builder } from '../../lib/core/builder.js';
import { ConfigError, WechatpayError } from '../../lib/errors.js';
import { keyPair, MCHID, MERCHANT_SERIAL, Platform, PLATFORM_SERIAL } from '../support/platform.js';

type AnyClient = any;
const merchant = keyPair('merchant');
const platformKey = keyPair('platform');
const APIV3_KEY = 'ApIv3KeY-SeCrEt-0123456789abcdef';
const SECRET = 'ApIv2SeCrEt-0123456789abcdefghij';

const valid = () => ({
  mchid: MCHID,
  serial: MERCHANT_SERIAL,
  privateKey: merchant.privatePem,
  certs: { [PLATFORM_SERIAL]: platformKey.publicPem },
});

function configError(config: unknown): ConfigError {
  try {
    Builder.factory(config as never);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('Builder.factory accepted the config');
}

/** A secret-looking fragment of every key and secret: none may show in an error, a log or a serialisation. */
const secrets = [
  merchant.privatePem.split('\n')[5]!,
  merchant.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64').slice(100, 140),
  APIV3_KEY,
  SECRET,
];
function expectNoSecret(text: string) {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('Builder.factory config errors name the field', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['missing mchid', { mchid: undefined }, 'mchid'],
    ['numeric mchid', { mchid: 1230000109 }, 'mchid'],
    ['blank mchid', { mchid: '  ' }, 'mchid'],
    ['an mchid with a line break', { mchid: '1230000109\r\nX-Injected: 1' }, 'mchid'],
    ['an mchid with a quote', { mchid: '123"0' }, 'mchid'],
    ['a serial with a space', { serial: 'ABC DEF' }, 'serial'],
    ['a serial with a backslash', { serial: 'ABC\\' }, 'serial'],
    ['missing serial', { serial: undefined }, 'serial'],
    ['non-string serial', { serial: ['S'] }, 'serial'],
    ['missing privateKey', { privateKey: undefined }, 'privateKey'],
    ['a public key as privateKey', { privateKey: platformKey.publicPem }, 'privateKey'],
    ['an unreadable privateKey file', { privateKey: 'file:///nonexistent/apiclient_key.pem' }, 'privateKey'],
    ['garbage privateKey', { privateKey: 'not a key' }, 'privateKey'],
    ['missing certs', { certs: undefined }, 'certs'],
    ['empty certs', { certs: {} }, 'certs'],
    ['certs not an object', { certs: 'PEM' }, 'certs'],
    ['an unloadable cert', { certs: { [PLATFORM_SERIAL]: 'garbage' } }, `certs["${PLATFORM_SERIAL}"]`],
    ['the merchant serial inside certs', { certs: { [MERCHANT_SERIAL]: platformKey.publicPem } }, `certs["${MERCHANT_SERIAL}"]`],
    ['the merchant serial in lower case inside certs', { certs: { [MERCHANT_SERIAL.toLowerCase()]: platformKey.publicPem } }, `certs["${MERCHANT_SERIAL.toLowerCase()}"]`],
    ['a 31-byte apiv3Key', { apiv3Key: APIV3_KEY.slice(1) }, 'apiv3Key'],
    ['a 33-byte secret', { secret: `${SECRET}x` }, 'secret'],
    ['a relative baseURL', { baseURL: 'api.mch.weixin.qq.com' }, 'baseURL'],
    ['a negative maxClockOffset', { maxClockOffset: -1 }, 'maxClockOffset'],
  ])('%s', (_label, change, field) => {
    const error = configError({ ...valid(), ...change });
    expect(error.field).toBe(field);
    expect(error.code).toBe('ECONFIG');
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expectNoSecret(`${error.message}${error.stack}${inspect(error, { depth: 10 })}${JSON.stringify(error)}`);
  });

  it('refuses a config that is not an object', () => {
    expect(configError(undefined).field).toBe('config');
    expect(configError('1230000109').field).toBe('config');
  });

  it('never repeats a key it could not load', () => {
    const bad = merchant.privatePem.replace('PRIVATE KEY-----\n', 'PRIVATE KEY-----\n!!');
    const error = configError({ ...valid(), privateKey: bad });
    expectNoSecret(`${error.message}${inspect(error, { depth: 10 })}`);
  });
});

describe('clients and their configs', () => {
  it('never mutates the caller config', () => {
    const config = { ...valid(), apiv3Key: APIV3_KEY, headers: { 'X-A': '1' }, timeout: 1000 };
    const copy = structuredClone(config);
    Object.freeze(config);
    Object.freeze(config.headers);
    Object.freeze(config.certs);
    Builder.factory(config);
    expect(config).toEqual(copy);
  });

  it('accepts a Map of certs and KeyObjects', () => {
    expect(() => Builder.factory({ ...valid(), privateKey: merchant.privateKey, certs: new Map([[PLATFORM_SERIAL, platformKey.publicKey]]) })).not.toThrow();
  });

  it('keeps many merchants in one process fully independent', async () => {
    const first = await new Platform().start();
    const second = await new Platform().start();
    try {
      first.respond = () => ({ body: '{"platform":1}' });
      second.respond = () => ({ body: '{"platform":2}' });
      const a = Builder.factory(first.config()) as AnyClient;
      const otherMerchant = keyPair('merchant-2');
      const b = Builder.factory({ ...second.config(), mchid: '1900000001', serial: 'AAAA', privateKey: otherMerchant.privatePem }) as AnyClient;
      const [ra, rb] = await Promise.all([a.v3.x.get(), b.v3.x.get()]);
      expect(ra.data).toEqual({ platform: 1 });
      expect(rb.data).toEqual({ platform: 2 });
      expect(first.last.authorized).toBe(true);
      expect(first.last.authorization['mchid']).toBe(MCHID);
      expect(second.last.authorization).toMatchObject({ mchid: '1900000001', serial_no: 'AAAA' });
      expect(second.last.authorized).toBe(false);
      a.setCerts({ OTHER: keyPair('attacker').publicPem });
      await expect(a.v3.x.get()).rejects.toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
      await expect(b.v3.x.get()).resolves.toMatchObject({ status: 200 });
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

describe('no key material in logs, serialisations or errors', () => {
  const platform = new Platform();
  beforeAll(() => platform.start());
  afterAll(() => platform.stop());

  it('util.inspect, JSON.stringify and String of a client show no secret', () => {
    const client = Builder.factory(platform.config({ apiv3Key: APIV3_KEY, secret: SECRET }));
    for (const text of [inspect(client, { depth: 20, showHidden: true }), JSON.stringify(client), String(client), `${client}`,
      inspect(client.chain('v3/a'), { depth: 20, showHidden: true })]) {
      expectNoSecret(text);
    }
    expect(JSON.parse(JSON.stringify(client))).toEqual({ mchid: MCHID, serial: MERCHANT_SERIAL });
  });

  it('errors of every kind show no secret, even inspected deeply', async () => {
    const client = Builder.factory(platform.config({ apiv3Key: APIV3_KEY, secret: SECRET })) as AnyClient;
    const errors: unknown[] = [];
    platform.respond = () => ({ body: '{}', signature: 'bad' });
    errors.push(await client.v3.a.get().catch((e: unknown) => e));
    platform.respond = () => ({ status: 500, body: '{"code":"SYSTEM_ERROR","message":"x"}' });
    errors.push(await client.v3.a.get().catch((e: unknown) => e));
    errors.push(await client.v3.a._x_.get().catch((e: unknown) => e));
    platform.respond = () => new Promise((resolve) => setTimeout(() => resolve({ body: '{}' }), 200));
    errors.push(await client.v3.a.get({ timeout: 20 }).catch((e: unknown) => e));
    for (const error of errors) {
      expect(error).toBeInstanceOf(WechatpayError);
      expectNoSecret(`${inspect(error, { depth: 20, showHidden: true })}${JSON.stringify(error)}${(error as Error).stack}`);
    }
  });
});
