/**
 * Property-based: a notification is accepted only when the platform signed exactly its bytes, within the
 * clock window, with a known key, and its resource decrypts with the APIv3 key; then the caller gets exactly
 * what was encrypted. Anything else (any headers, any body, any options) is a typed error without a secret.
 * Signatures and ciphertexts are made here with node:crypto only.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Notification } from '../../lib/helpers/notification.js';
import { keyPair, PLATFORM_SERIAL, signWith } from '../support/platform.js';
import { anyText, anyValue, APIV3_KEY, count, counted, ours, PARAMETERS, RUNS, watchUnhandledRejections } from './support.js';

const unhandled = watchUnhandledRejections();
const platformKey = keyPair('platform');
const certs = { [PLATFORM_SERIAL]: platformKey.publicPem };
const parser = Notification.create({ certs, apiv3Key: APIV3_KEY });

function encrypt(plaintext: string, aad: string, key = APIV3_KEY) {
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64');
  return { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce };
}

/** A body, and whether it is a well-formed envelope whose resource decrypts to `plaintext`. */
const bodies = fc.oneof(
  fc.record({ resource: fc.jsonValue({ maxDepth: 2 }), aad: fc.string({ maxLength: 8 }), envelope: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) })
    .map(({ resource, aad, envelope }) => {
      const plaintext = JSON.stringify(resource);
      return { body: JSON.stringify({ ...envelope, resource: encrypt(plaintext, aad) }), plaintext: plaintext as string | undefined };
    }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({ body: JSON.stringify(value), plaintext: undefined })),
  fc.record({ resource: anyValue }).map((value) => ({ body: JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item)) ?? 'null', plaintext: undefined })),
  anyText.map((text) => ({ body: text, plaintext: undefined })),
);

describe('signed notifications', () => {
  it(`are accepted exactly when signed, fresh, by a known key, and decryptable (${RUNS} cases)`, () => {
    fc.assert(fc.property(
      bodies,
      fc.oneof(fc.constant(0), fc.integer({ min: -400, max: 400 })),
      fc.constantFrom(PLATFORM_SERIAL, 'UNKNOWN_SERIAL'),
      fc.constantFrom('exact', 'altered', 'headers-as-Headers', 'headers-as-Map'),
      ({ body, plaintext }, skew, serial, form) => {
        count('signed notifications');
        const timestamp = String(Math.floor(Date.now() / 1000) + skew);
        const nonce = randomBytes(16).toString('hex');
        const signature = signWith(platformKey.privateKey, `${timestamp}\n${nonce}\n${body}\n`);
        const headers = { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': serial, 'Wechatpay-Signature': signature };
        const sent = form === 'altered' ? `${body} ` : body;
        const bag = form === 'headers-as-Headers' ? new Headers(headers) : form === 'headers-as-Map' ? new Map(Object.entries(headers)) : headers;
        const acceptable = form !== 'altered' && serial === PLATFORM_SERIAL && Math.abs(skew) <= 300 && plaintext !== undefined;
        let parsed: { resource: unknown } | undefined;
        try {
          parsed = parser.parse({ headers: bag, body: Buffer.from(sent) });
        } catch (error) {
          ours(error);
        }
        // The clock may tick between signing and parsing: a skew at the edge of the window goes either way.
        if (Math.abs(Math.abs(skew) - 300) <= 1) return;
        if (acceptable !== (parsed !== undefined)) throw new Error(`${acceptable ? 'refused' : 'accepted'}: ${form} ${serial} skew ${skew} ${sent.slice(0, 80)}`);
        if (parsed && JSON.stringify(parsed.resource) !== plaintext) throw new Error('the resource is not what was encrypted');
      },
    ), PARAMETERS);
  }, 600_000);
});

describe('any input', () => {
  it(`anything given to Notification.parse is a typed error (${RUNS} cases)`, () => {
    const headerBags = fc.oneof(fc.dictionary(anyText, fc.oneof(anyText, anyValue), { maxKeys: 5 }), anyValue,
      fc.constant(undefined).map(() => new Headers({ 'wechatpay-timestamp': '1' })));
    fc.assert(fc.property(fc.oneof(fc.record({ headers: headerBags, body: fc.oneof(anyText, anyValue, fc.uint8Array({ maxLength: 32 })) }), anyValue), (request) => {
      count('any notification input');
      try {
        parser.parse(request as never);
      } catch (error) {
        ours(error);
        return;
      }
      throw new Error('an unsigned notification was accepted');
    }), PARAMETERS);
  }, 600_000);

  it(`Notification.create takes only a finite non-negative maxClockOffset and checks every option (${RUNS} cases)`, () => {
    fc.assert(fc.property(
      fc.oneof(fc.constant(certs), anyValue),
      fc.oneof(fc.constant(APIV3_KEY), anyText, anyValue),
      fc.oneof(fc.constant(undefined), fc.double(), fc.integer(), anyValue, fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, '300')),
      (certsGiven, apiv3Key, maxClockOffset) => {
        count('notification options');
        try {
          Notification.create({ certs: certsGiven as never, apiv3Key: apiv3Key as string, maxClockOffset: maxClockOffset as number });
        } catch (error) {
          ours(error);
          return;
        }
        const offsetOk = maxClockOffset === undefined || (typeof maxClockOffset === 'number' && Number.isFinite(maxClockOffset) && maxClockOffset >= 0);
        if (!offsetOk) throw new Error(`maxClockOffset ${String(maxClockOffset)} was taken`);
        if (apiv3Key !== APIV3_KEY && !(typeof apiv3Key === 'string' && Buffer.byteLength(apiv3Key) === 32)) throw new Error('a bad APIv3 key was taken');
      },
    ), PARAMETERS);
  }, 600_000);
});

describe('the whole file', () => {
  it('left no unhandled rejection', () => {
    expect(unhandled.seen).toEqual([]);
    expect(Math.min(...counted.values())).toBeGreaterThanOrEqual(RUNS);
    console.log(`fuzz (notifications): ${[...counted].map(([name, runs]) => `${name} ${runs}`).join(', ')} cases`);
  });
});
