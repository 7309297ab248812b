import {
  KeyObject,
  constants,
  createSecretKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  sign as rawSign,
} from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import forge from 'node-forge';
import { CryptoError, KeyError } from '../../lib/errors.js';
import { Rsa, type RsaKeyInput, isPkcs12 } from '../../lib/crypto/rsa.js';
import { type KeyFixture, fixtureFile, keyFixture, pkcs12Fixture, removeFixtureDir } from '../fixtures/keys.js';
import { expectThrown, rejected, thrown } from '../support/thrown.js';

const MESSAGE = 'POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{"amount":{"total":1}}\n';

// Generated while jest collects the tests: the it.each tables below are built from them.
const merchant: KeyFixture = keyFixture('merchant');
const stranger: KeyFixture = keyFixture('stranger');

afterAll(removeFixtureDir);

function der(key: KeyObject): string {
  return (key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'der' }) as Buffer).toString('base64');
}

function expectKeyError(run: () => unknown, kind: string | RegExp): KeyError {
  return expectThrown(run, KeyError, 'EKEY', kind);
}

function expectCryptoError(run: () => unknown, code: CryptoError['code'], text?: RegExp): CryptoError {
  return expectThrown(run, CryptoError, code, text);
}

/** Every private-key form of docs/protocol.md#keys-and-sensitive-fields, each a function so that files are written lazily. */
function privateForms(): Array<[string, () => RsaKeyInput]> {
  const { pem, der: b64, passphrase, privateKey } = merchant;
  const p12 = pkcs12Fixture('merchant');
  return [
    ['a private KeyObject', () => privateKey],
    ['PKCS#1 PEM string', () => pem.pkcs1Private],
    ['PKCS#1 PEM Buffer', () => Buffer.from(pem.pkcs1Private)],
    ['PKCS#1 PEM Uint8Array', () => new Uint8Array(Buffer.from(pem.pkcs1Private))],
    ['PKCS#8 PEM string', () => pem.pkcs8Private],
    ['PKCS#8 PEM Buffer', () => Buffer.from(pem.pkcs8Private)],
    ['PKCS#8 PEM with CRLF line ends and surrounding text', () => `garbage before\r\n${pem.pkcs8Private.replace(/\n/g, '\r\n')}after`],
    ['PEM key followed by its certificate', () => pem.pkcs8Private + pem.certificate],
    ['certificate followed by its PEM key', () => pem.certificate + pem.pkcs1Private],
    ['[encrypted PKCS#8 PEM, passphrase]', () => [pem.encryptedPkcs8Private, passphrase]],
    ['{ key: encrypted PKCS#8 PEM, passphrase }', () => ({ key: pem.encryptedPkcs8Private, passphrase })],
    ['[encrypted PKCS#8 Buffer, passphrase]', () => [Buffer.from(pem.encryptedPkcs8Private), passphrase]],
    ['[encrypted legacy PKCS#1 PEM, passphrase]', () => [pem.encryptedPkcs1Private, passphrase]],
    ['[unencrypted PEM, unused passphrase]', () => [pem.pkcs8Private, 'unused']],
    ['{ key: PEM } without passphrase', () => ({ key: pem.pkcs1Private })],
    ['file:// PKCS#1', () => `file://${fixtureFile('private.pkcs1.pem', pem.pkcs1Private)}`],
    ['file:// PKCS#8', () => `file://${fixtureFile('private.pkcs8.pem', pem.pkcs8Private)}`],
    ['file:// URL of a path with a space and non-ASCII (percent-encoded, as pathToFileURL writes it)', () => pathToFileURL(fixtureFile('商户 key.pem', pem.pkcs8Private)).href],
    ['file:// with the same path written raw', () => `file://${fixtureFile('商户 key.pem', pem.pkcs8Private)}`],
    ['[file:// encrypted PKCS#8, passphrase]', () => [`file://${fixtureFile('private.enc.pem', pem.encryptedPkcs8Private)}`, passphrase]],
    ['private.pkcs1:// scheme', () => `private.pkcs1://${b64.pkcs1Private}`],
    ['private.pkcs8:// scheme', () => `private.pkcs8://${b64.pkcs8Private}`],
    ['private.pkcs8:// scheme with line-wrapped body', () => `private.pkcs8://${b64.pkcs8Private.replace(/(.{64})/g, '$1\n')}`],
    ['Rsa.fromPkcs1 result', () => Rsa.fromPkcs1(b64.pkcs1Private)],
    ['Rsa.fromPkcs8 result', () => Rsa.fromPkcs8(b64.pkcs8Private)],
    ['[PKCS#12 Buffer, password]', () => [p12.der, p12.password]],
    ['{ key: PKCS#12 Buffer, passphrase: password }', () => ({ key: p12.der, passphrase: p12.password })],
    ['[file:// PKCS#12, password]', () => [`file://${fixtureFile('apiclient_cert.p12', p12.der)}`, p12.password]],
  ];
}

/** Every public-key form of docs/protocol.md#keys-and-sensitive-fields. */
function publicForms(): Array<[string, () => RsaKeyInput]> {
  const { pem, der: b64, publicKey, privateKey, certificate } = merchant;
  const p12 = pkcs12Fixture('merchant');
  return [
    ['a public KeyObject', () => publicKey],
    ['a private KeyObject (its public half)', () => privateKey],
    ['an X509Certificate', () => certificate],
    ['SPKI PEM string', () => pem.spkiPublic],
    ['SPKI PEM Buffer', () => Buffer.from(pem.spkiPublic)],
    ['PKCS#1 public PEM', () => pem.pkcs1Public],
    ['certificate PEM', () => pem.certificate],
    ['certificate PEM Buffer', () => Buffer.from(pem.certificate)],
    ['certificate followed by a private key', () => pem.certificate + pem.pkcs8Private],
    ['private key PEM (its public half)', () => pem.pkcs1Private],
    ['[encrypted PKCS#8 PEM, passphrase] (its public half)', () => [pem.encryptedPkcs8Private, merchant.passphrase]],
    ['file:// SPKI', () => `file://${fixtureFile('public.spki.pem', pem.spkiPublic)}`],
    ['file:// certificate', () => `file://${fixtureFile('cert.pem', pem.certificate)}`],
    ['public.spki:// scheme', () => `public.spki://${b64.spkiPublic}`],
    ['public.pkcs1:// scheme', () => `public.pkcs1://${b64.pkcs1Public}`],
    ['private.pkcs8:// scheme (its public half)', () => `private.pkcs8://${b64.pkcs8Private}`],
    ['Rsa.fromSpki result', () => Rsa.fromSpki(b64.spkiPublic)],
    ['Rsa.fromPkcs1 public result', () => Rsa.fromPkcs1(b64.pkcs1Public, Rsa.KEY_TYPE_PUBLIC)],
    ['[PKCS#12 Buffer, password] (the certificate key)', () => [p12.der, p12.password]],
  ];
}

describe('Rsa constants', () => {
  it('mirrors wechatpay-php', () => {
    expect(Rsa.KEY_TYPE_PRIVATE).toBe('private');
    expect(Rsa.KEY_TYPE_PUBLIC).toBe('public');
  });
});

describe('Rsa.from: every accepted form loads the same key', () => {
  it.each(privateForms())('private: %s', (_name, form) => {
    const key = Rsa.from(form());
    expect(key.type).toBe('private');
    expect(der(key)).toBe(der(merchant.privateKey));
    expect(Rsa.from(form(), Rsa.KEY_TYPE_PRIVATE)).toBeInstanceOf(KeyObject);
  });

  it.each(publicForms())('public: %s', (_name, form) => {
    const key = Rsa.from(form(), Rsa.KEY_TYPE_PUBLIC);
    expect(key.type).toBe('public');
    expect(der(key)).toBe(der(merchant.publicKey));
  });

  it('returns a loaded KeyObject as is (no re-parsing)', () => {
    expect(Rsa.from(merchant.privateKey)).toBe(merchant.privateKey);
    expect(Rsa.from(merchant.publicKey, 'public')).toBe(merchant.publicKey);
  });
});

describe('the key-form matrix', () => {
  it('every private form signs, and every signature verifies with every public form', () => {
    const publics = publicForms().map(([name, form]) => [name, form(), Rsa.from(form(), 'public')] as const);
    for (const [privateName, privateForm] of privateForms()) {
      const signature = Rsa.sign(MESSAGE, privateForm());
      for (const [publicName, , publicKey] of publics) {
        expect([privateName, publicName, Rsa.verify(MESSAGE, signature, publicKey)]).toEqual([privateName, publicName, true]);
      }
      // the forms themselves (not only their loaded keys) verify too
      expect(Rsa.verify(MESSAGE, signature, publics[3]![1])).toBe(true);
    }
    for (const [publicName, publicForm] of publics) {
      expect([publicName, Rsa.verify(MESSAGE, Rsa.sign(MESSAGE, merchant.privateKey), publicForm)]).toEqual([publicName, true]);
    }
  });

  it('encrypting with every public form decrypts with every private form', () => {
    const privates = privateForms().map(([name, form]) => [name, form(), Rsa.from(form())] as const);
    for (const [publicName, publicForm] of publicForms()) {
      const ciphertext = Rsa.encrypt(`secret for ${publicName}`, publicForm());
      for (const [privateName, , privateKey] of privates) {
        expect([publicName, privateName, Rsa.decrypt(ciphertext, privateKey)]).toEqual([
          publicName,
          privateName,
          `secret for ${publicName}`,
        ]);
      }
    }
    const ciphertext = Rsa.encrypt('once more', merchant.publicKey);
    for (const [privateName, privateForm] of privates) {
      expect([privateName, Rsa.decrypt(ciphertext, privateForm)]).toEqual([privateName, 'once more']);
    }
  });
});

describe('Rsa.fromPkcs1 / fromPkcs8 / fromSpki / pkcs1ToSpki', () => {
  it('load base64 DER without armour', () => {
    expect(der(Rsa.fromPkcs1(merchant.der.pkcs1Private))).toBe(der(merchant.privateKey));
    expect(der(Rsa.fromPkcs1(merchant.der.pkcs1Private, 'private'))).toBe(der(merchant.privateKey));
    expect(der(Rsa.fromPkcs1(merchant.der.pkcs1Public, 'public'))).toBe(der(merchant.publicKey));
    expect(der(Rsa.fromPkcs8(merchant.der.pkcs8Private))).toBe(der(merchant.privateKey));
    expect(der(Rsa.fromSpki(merchant.der.spkiPublic))).toBe(der(merchant.publicKey));
  });

  it('converts PKCS#1 RSAPublicKey to SPKI', () => {
    expect(Rsa.pkcs1ToSpki(merchant.der.pkcs1Public)).toBe(merchant.der.spkiPublic);
    expect(Rsa.pkcs1ToSpki(stranger.der.pkcs1Public)).toBe(stranger.der.spkiPublic);
  });

  it('refuses the wrong DER for the format', () => {
    expectKeyError(() => Rsa.fromPkcs8(merchant.der.spkiPublic), 'a private.pkcs8:// string whose DER cannot be decoded');
    expectKeyError(() => Rsa.fromSpki(merchant.der.pkcs8Private), 'a public.spki:// string whose DER cannot be decoded');
    expectKeyError(() => Rsa.fromPkcs1('not base64!'), 'a private.pkcs1:// string whose body is not base64');
    expectKeyError(() => Rsa.pkcs1ToSpki(''), 'a public.pkcs1:// string whose body is not base64');
  });
});

describe('Rsa.sign / Rsa.verify', () => {
  it('is RSASSA-PKCS1-v1_5 SHA-256, byte for byte what node:crypto produces', () => {
    const signature = Rsa.sign(MESSAGE, merchant.privateKey);
    expect(signature).toBe(rawSign('sha256', Buffer.from(MESSAGE), merchant.privateKey).toString('base64'));
    expect(Buffer.from(signature, 'base64')).toHaveLength(256);
    expect(Rsa.sign(Buffer.from(MESSAGE), merchant.privateKey)).toBe(signature);
  });

  it('verifies string and Buffer messages alike, UTF-8 included', () => {
    const message = '{"description":"Image形象店-深圳腾大-QQ公仔"}';
    const signature = Rsa.sign(message, merchant.privateKey);
    expect(Rsa.verify(message, signature, merchant.publicKey)).toBe(true);
    expect(Rsa.verify(Buffer.from(message), signature, merchant.publicKey)).toBe(true);
  });

  it('returns false, never throws, for any bad signature', () => {
    const signature = Rsa.sign(MESSAGE, merchant.privateKey);
    const bytes = Buffer.from(signature, 'base64');
    const flipped = Buffer.from(bytes);
    flipped[100] = flipped[100]! ^ 1;
    expect(Rsa.verify(`${MESSAGE}x`, signature, merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, signature, stranger.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, flipped.toString('base64'), merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, bytes.subarray(1).toString('base64'), merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, '', merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, '%%% not base64 %%%', merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, ` ${signature}`, merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, signature.replace(/=+$/, ''), merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, undefined as unknown as string, merchant.publicKey)).toBe(false);
  });

  it('rejects the platform WECHATPAY/SIGNTEST/ probes', () => {
    const probe = `WECHATPAY/SIGNTEST/${Rsa.sign(MESSAGE, merchant.privateKey)}`;
    expect(Rsa.verify(MESSAGE, probe, merchant.publicKey)).toBe(false);
    expect(Rsa.verify(MESSAGE, 'WECHATPAY/SIGNTEST/Ceq2NtRvV3jD7aC3gsDA6V8y/aHQZJq0E4rXsWLuhF0=', merchant.publicKey)).toBe(false);
  });

  it('throws a KeyError for an unusable key, and for a public key used to sign', () => {
    expectKeyError(() => Rsa.verify(MESSAGE, 'AAAA', 'garbage'), 'a string that is neither PEM, file:// nor a known scheme');
    expectKeyError(() => Rsa.sign(MESSAGE, merchant.publicKey), 'a public key where a private key is required');
    expectKeyError(() => Rsa.sign(MESSAGE, merchant.pem.spkiPublic), 'a public key where a private key is required');
  });

  it('refuses a message that is neither a string nor bytes', () => {
    expectCryptoError(() => Rsa.sign(42 as unknown as string, merchant.privateKey), 'ECRYPTO_ARGUMENT', /a value of type number/);
    expectCryptoError(() => Rsa.verify(null as unknown as string, 'AAAA', merchant.publicKey), 'ECRYPTO_ARGUMENT', /null/);
  });
});

describe('Rsa.signAsync / Rsa.verifyAsync (on the thread pool)', () => {
  it('signs byte for byte as Rsa.sign, strings and Buffers alike', async () => {
    const signature = Rsa.sign(MESSAGE, merchant.privateKey);
    await expect(Rsa.signAsync(MESSAGE, merchant.privateKey)).resolves.toBe(signature);
    await expect(Rsa.signAsync(Buffer.from(MESSAGE), merchant.pem.pkcs8Private)).resolves.toBe(signature);
  });

  it('keeps many signatures made at once apart: each is the one of its own message', async () => {
    const messages = Array.from({ length: 32 }, (_, index) => `${MESSAGE}${index}`);
    const signatures = await Promise.all(messages.map((message) => Rsa.signAsync(message, merchant.privateKey)));
    expect(signatures).toEqual(messages.map((message) => Rsa.sign(message, merchant.privateKey)));
    const checks = await Promise.all(messages.map((message, index) => Rsa.verifyAsync(message, signatures[(index + 1) % 32]!, merchant.publicKey)));
    expect(checks.every((valid) => !valid)).toBe(true);
  });

  it('answers as Rsa.verify does: true for the signature, false (never a rejection) for any bad one', async () => {
    const signature = Rsa.sign(MESSAGE, merchant.privateKey);
    const flipped = Buffer.from(signature, 'base64');
    flipped[100] = flipped[100]! ^ 1;
    const cases: Array<[string, string, RsaKeyInput]> = [
      [MESSAGE, signature, merchant.publicKey],
      [MESSAGE, signature, merchant.pem.spkiPublic],
      [`${MESSAGE}x`, signature, merchant.publicKey],
      [MESSAGE, signature, stranger.publicKey],
      [MESSAGE, flipped.toString('base64'), merchant.publicKey],
      [MESSAGE, '', merchant.publicKey],
      [MESSAGE, '%%% not base64 %%%', merchant.publicKey],
      [MESSAGE, `WECHATPAY/SIGNTEST/${signature}`, merchant.publicKey],
      [MESSAGE, undefined as unknown as string, merchant.publicKey],
    ];
    const answers = await Promise.all(cases.map(([message, given, key]) => Rsa.verifyAsync(message, given, key)));
    expect(answers).toEqual(cases.map(([message, given, key]) => Rsa.verify(message, given, key)));
    expect(answers.filter(Boolean)).toHaveLength(2);
  });

  it('rejects, never throws, with the typed errors of the synchronous forms', async () => {
    const signing = Rsa.signAsync(MESSAGE, merchant.publicKey);
    const keyError = await rejected(signing);
    expect(keyError).toBeInstanceOf(KeyError);
    expect(keyError.message).toMatch(/a public key where a private key is required/);
    expect(await rejected(Rsa.verifyAsync(MESSAGE, 'AAAA', 'garbage'))).toBeInstanceOf(KeyError);
    const argument = await rejected(Rsa.signAsync(42 as unknown as string, merchant.privateKey));
    expect(argument).toBeInstanceOf(CryptoError);
    expect((argument as CryptoError).code).toBe('ECRYPTO_ARGUMENT');
  });
});

describe('Rsa.encrypt / Rsa.decrypt', () => {
  it('round-trips UTF-8 and Buffers', () => {
    for (const plaintext of ['', '王小二', '13800138000', Buffer.from('bytes')]) {
      const ciphertext = Rsa.encrypt(plaintext, merchant.publicKey);
      expect(Buffer.from(ciphertext, 'base64')).toHaveLength(256);
      expect(Rsa.decrypt(ciphertext, merchant.privateKey)).toBe(plaintext.toString());
    }
  });

  it('is randomised OAEP', () => {
    expect(Rsa.encrypt('x', merchant.publicKey)).not.toBe(Rsa.encrypt('x', merchant.publicKey));
  });

  it('uses RSA-OAEP with SHA-1 and MGF1-SHA-1 (interoperates with raw node:crypto, not with SHA-256 OAEP)', () => {
    const ciphertext = Buffer.from(Rsa.encrypt('platform', merchant.publicKey, constants.RSA_PKCS1_OAEP_PADDING), 'base64');
    const oaep = { key: merchant.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING };
    expect(privateDecrypt({ ...oaep, oaepHash: 'sha1' }, ciphertext).toString()).toBe('platform');
    expect(() => privateDecrypt({ ...oaep, oaepHash: 'sha256' }, ciphertext)).toThrow();
    const raw = publicEncrypt({ key: merchant.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from('raw'));
    expect(Rsa.decrypt(raw.toString('base64'), merchant.privateKey, constants.RSA_PKCS1_OAEP_PADDING)).toBe('raw');
  });

  it('refuses PKCS#1 v1.5 padding, saying why', () => {
    for (const run of [
      () => Rsa.encrypt('x', merchant.publicKey, constants.RSA_PKCS1_PADDING),
      () => Rsa.decrypt('AAAA', merchant.privateKey, constants.RSA_PKCS1_PADDING),
    ]) {
      expectCryptoError(run, 'ECRYPTO_PADDING', /Bleichenbacher.*Marvin/);
    }
  });

  it('refuses other paddings', () => {
    expectCryptoError(() => Rsa.encrypt('x', merchant.publicKey, constants.RSA_NO_PADDING), 'ECRYPTO_PADDING', /only RSA_PKCS1_OAEP_PADDING/);
    expectCryptoError(() => Rsa.decrypt('AAAA', merchant.privateKey, 99), 'ECRYPTO_PADDING', /padding 99/);
  });

  it('refuses non-base64 ciphertext', () => {
    const ciphertext = Rsa.encrypt('x', merchant.publicKey);
    for (const bad of [`${ciphertext}!`, ciphertext.replace(/=+$/, ''), `${ciphertext.slice(0, 10)}\n${ciphertext.slice(10)}`, 42]) {
      expectCryptoError(() => Rsa.decrypt(bad as string, merchant.privateKey), 'ECRYPTO_BASE64');
    }
  });

  it('fails to decrypt with the wrong key or an altered ciphertext', () => {
    const ciphertext = Rsa.encrypt('x', merchant.publicKey);
    expectCryptoError(() => Rsa.decrypt(ciphertext, stranger.privateKey), 'ECRYPTO_DECRYPT', /altered or not made for this private key/);
    const altered = Buffer.from(ciphertext, 'base64');
    altered[5] = altered[5]! ^ 0xff;
    expectCryptoError(() => Rsa.decrypt(altered.toString('base64'), merchant.privateKey), 'ECRYPTO_DECRYPT');
  });

  it('says how long a plaintext may be', () => {
    expect(Rsa.decrypt(Rsa.encrypt('a'.repeat(214), merchant.publicKey), merchant.privateKey)).toHaveLength(214);
    expectCryptoError(() => Rsa.encrypt('a'.repeat(215), merchant.publicKey), 'ECRYPTO_ARGUMENT', /2048-bit key encrypts at most 214 bytes.*215 bytes/);
  });

  it('needs the right half of the key', () => {
    expectKeyError(() => Rsa.decrypt('AAAA', merchant.publicKey), 'a public key where a private key is required');
    expectKeyError(() => Rsa.decrypt('AAAA', merchant.certificate), 'a certificate where a private key is required');
  });
});

describe('Rsa.from: bad inputs are typed errors naming the kind of input', () => {
  const csr = (): string => {
    const request = forge.pki.createCertificationRequest();
    request.publicKey = forge.pki.publicKeyFromPem(merchant.pem.spkiPublic);
    request.setSubject([{ name: 'commonName', value: 'x' }]);
    request.sign(forge.pki.privateKeyFromPem(merchant.pem.pkcs1Private), forge.md.sha256.create());
    return forge.pki.certificationRequestToPem(request);
  };

  it.each<[string, () => unknown, string | RegExp]>([
    ['a CSR', () => Rsa.from(csr()), 'a PEM block of type CERTIFICATE REQUEST'],
    ['a CSR as public', () => Rsa.from(csr(), 'public'), 'a PEM block of type CERTIFICATE REQUEST'],
    ['an unknown PEM label', () => Rsa.from('-----BEGIN FOO BAR-----\nAAAA\n-----END FOO BAR-----'), 'a PEM block of an unknown type'],
    ['a PEM block without END', () => Rsa.from('-----BEGIN PRIVATE KEY-----\nAAAA\n'), 'PEM text without a complete BEGIN/END block'],
    ['garbage inside PEM armour', () => Rsa.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'), 'a PEM block of type PRIVATE KEY that cannot be decoded'],
    ['garbage public PEM', () => Rsa.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', 'public'), 'a PEM block of type PUBLIC KEY that cannot be decoded'],
    ['garbage certificate', () => Rsa.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'public'), 'a PEM block of type CERTIFICATE that cannot be decoded'],
    ['a SPKI PEM as private', () => Rsa.from(merchant.pem.spkiPublic), 'a public key where a private key is required'],
    ['a PKCS#1 public PEM as private', () => Rsa.from(merchant.pem.pkcs1Public, 'private'), 'a public key where a private key is required'],
    ['a certificate PEM as private', () => Rsa.from(merchant.pem.certificate), 'a certificate where a private key is required'],
    ['an X509Certificate as private', () => Rsa.from(merchant.certificate), 'a certificate where a private key is required'],
    ['a public KeyObject as private', () => Rsa.from(merchant.publicKey), 'a public key where a private key is required'],
    ['a public.spki:// as private', () => Rsa.from(`public.spki://${merchant.der.spkiPublic}`), 'a public key where a private key is required'],
    ['fromPkcs1 public DER as private', () => Rsa.fromPkcs1(merchant.der.pkcs1Public), 'a private.pkcs1:// string whose DER cannot be decoded'],
    ['an encrypted PKCS#8 key without passphrase', () => Rsa.from(merchant.pem.encryptedPkcs8Private), 'an encrypted PKCS#8 key without a passphrase'],
    ['an encrypted PKCS#1 key without passphrase', () => Rsa.from(merchant.pem.encryptedPkcs1Private), 'an encrypted PKCS#1 key without a passphrase'],
    ['a wrong passphrase', () => Rsa.from([merchant.pem.encryptedPkcs8Private, 'wrong']), 'an encrypted PKCS#8 key whose passphrase is wrong'],
    ['a wrong legacy passphrase', () => Rsa.from({ key: merchant.pem.encryptedPkcs1Private, passphrase: 'wrong' }), 'an encrypted PKCS#1 key whose passphrase is wrong'],
    ['a passphrase that is not a string', () => Rsa.from([merchant.pem.encryptedPkcs8Private, 1234 as unknown as string]), 'a passphrase of type a value of type number'],
    ['a plain string', () => Rsa.from('hello'), 'a string that is neither PEM, file:// nor a known scheme'],
    ['an unknown scheme', () => Rsa.from('private.pkcs7://AAAA'), 'a string that is neither PEM, file:// nor a known scheme'],
    ['a scheme with a non-base64 body', () => Rsa.from('private.pkcs8://@@@@'), 'a private.pkcs8:// string whose body is not base64'],
    ['a scheme with an empty body', () => Rsa.from('public.spki://', 'public'), 'a public.spki:// string whose body is not base64'],
    ['a scheme with garbage DER', () => Rsa.from('private.pkcs1://AAAA'), 'a private.pkcs1:// string whose DER cannot be decoded'],
    ['an unreadable file://', () => Rsa.from('file:///nonexistent/dir/key.pem'), 'a file:// path that cannot be read: /nonexistent/dir/key.pem (ENOENT)'],
    ['a file:// directory', () => Rsa.from(`file://${process.cwd()}`), `a file:// path that cannot be read: ${process.cwd()} (EISDIR)`],
    ['a file of junk', () => Rsa.from(`file://${fixtureFile('junk.bin', Buffer.from([1, 2, 3]))}`), 'a file:// path to a file that holds neither PEM text nor a PKCS#12 bundle'],
    ['a Buffer of junk', () => Rsa.from(Buffer.from('junk')), 'a Buffer that holds neither PEM text nor a PKCS#12 bundle'],
    ['a PKCS#12 without password', () => Rsa.from(pkcs12Fixture().der), 'a PKCS#12 bundle without a password'],
    ['a PKCS#12 with a wrong password', () => Rsa.from([pkcs12Fixture().der, 'wrong']), 'a PKCS#12 bundle whose password is wrong'],
    ['a truncated PKCS#12', () => Rsa.from([pkcs12Fixture().der.subarray(0, 200), 'x']), 'a PKCS#12 bundle that cannot be decoded'],
    ['a secret KeyObject', () => Rsa.from(createSecretKey(Buffer.alloc(32))), 'a secret (symmetric) KeyObject'],
    ['an EC KeyObject', () => Rsa.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), 'a ec private key, where an RSA key is required'],
    ['an EC PEM', () => Rsa.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' })), 'a ec private key, where an RSA key is required'],
    ['an EC public PEM', () => Rsa.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }), 'public'), 'a ec public key, where an RSA key is required'],
    ['an Ed25519 SPKI DER scheme', () => Rsa.from(`public.spki://${(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' })).toString('base64')}`, 'public'), 'a ed25519 public key, where an RSA key is required'],
    ['an Ed25519 PKCS#8 scheme', () => Rsa.from(`private.pkcs8://${(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' })).toString('base64')}`), 'a ed25519 private key, where an RSA key is required'],
    ['a number', () => Rsa.from(42 as unknown as string), 'a value of type number'],
    ['null', () => Rsa.from(null as unknown as string), 'from null'],
    ['undefined', () => Rsa.from(undefined as unknown as string), 'a value of type undefined'],
    ['a plain object', () => Rsa.from({} as unknown as string), 'an object (Object)'],
    ['a prototype-less object', () => Rsa.from(Object.create(null) as string), 'an object (no prototype)'],
    ['a 3-element array', () => Rsa.from([merchant.pem.pkcs8Private, 'a', 'b'] as unknown as string), 'an array of length 3'],
    ['a pair whose key is a number', () => Rsa.from([1, 'x'] as unknown as string), 'a [key, passphrase] pair whose key is a value of type number'],
    ['an unknown key type', () => Rsa.from(merchant.privateKey, 'secret' as 'private'), "the key type must be 'private' or 'public'"],
  ])('%s', (_name, run, kind) => {
    const error = expectKeyError(run, kind);
    if (!/key type must be/.test(error.message)) {
      expect(error.message).toMatch(/Accepted: PEM text/);
    }
  });

  it('detects PKCS#12 by content', () => {
    expect(isPkcs12(pkcs12Fixture().der)).toBe(true);
    expect(isPkcs12(Buffer.from(merchant.der.pkcs8Private, 'base64'))).toBe(false);
    expect(isPkcs12(Buffer.from(merchant.der.pkcs1Private, 'base64'))).toBe(false);
    expect(isPkcs12(merchant.certificate.raw)).toBe(false);
    expect(isPkcs12(Buffer.from([0x30]))).toBe(false);
    expect(isPkcs12(Buffer.alloc(0))).toBe(false);
  });

  it('uses a private KeyObject where a public key is wanted (node:crypto derives the public half)', () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(Rsa.verify('m', Rsa.sign('m', key.privateKey), key.privateKey)).toBe(true);
    expect(Rsa.verify('m', Rsa.sign('m', key.privateKey), key.publicKey)).toBe(true);
    expect(Rsa.decrypt(Rsa.encrypt('m', key.privateKey), key.privateKey)).toBe('m');
  });
});

describe('errors never carry key material or passphrases', () => {
  const SECRET = 'Zq7SentinelSecretQx9';
  const NUMERIC_SECRET = 918273645546372;

  function leakProbe(error: Error): string {
    return [error.message, error.stack ?? '', inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error)].join('\n');
  }

  it.each<[string, () => unknown]>([
    ['secret inside a PEM body', () => Rsa.from(`-----BEGIN PRIVATE KEY-----\n${SECRET}AAAA\n-----END PRIVATE KEY-----`)],
    ['secret inside a public PEM body', () => Rsa.from(`-----BEGIN PUBLIC KEY-----\n${SECRET}AAAA\n-----END PUBLIC KEY-----`, 'public')],
    ['secret as a PEM label', () => Rsa.from(`-----BEGIN ${SECRET.toUpperCase()}-----\nAAAA\n-----END ${SECRET.toUpperCase()}-----`)],
    ['secret as a plain string', () => Rsa.from(SECRET)],
    ['secret as a wrong passphrase', () => Rsa.from([merchant.pem.encryptedPkcs8Private, SECRET])],
    ['secret as a numeric passphrase', () => Rsa.from([merchant.pem.encryptedPkcs8Private, NUMERIC_SECRET as unknown as string])],
    ['secret as a scheme body', () => Rsa.from(`private.pkcs8://${SECRET}`)],
    ['secret as scheme DER', () => Rsa.from(`private.pkcs1://${Buffer.from(SECRET).toString('base64')}`)],
    ['secret as an unknown scheme', () => Rsa.from(`${SECRET}://AAAA`)],
    ['secret as a PKCS#12 password', () => Rsa.from([pkcs12Fixture().der, SECRET])],
    ['secret in a Buffer', () => Rsa.from(Buffer.from(SECRET))],
    ['secret in a file', () => Rsa.from(`file://${fixtureFile('secret.txt', SECRET)}`)],
    ['secret in a public key used as private', () => Rsa.sign(SECRET, `public.spki://${merchant.der.spkiPublic}`)],
  ])('%s', (_name, run) => {
    const error = thrown(run);
    expect(error).toBeInstanceOf(KeyError);
    const text = leakProbe(error);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.toUpperCase());
    expect(text).not.toContain(String(NUMERIC_SECRET));
    expect(text).not.toContain(merchant.der.spkiPublic.slice(40, 80));
  });

  it('keeps the merchant key and passphrase out of an encrypted-key error', () => {
    const text = leakProbe(thrown(() => Rsa.from([merchant.pem.encryptedPkcs8Private, 'nope'])));
    expect(text).not.toContain(merchant.passphrase);
    expect(text).not.toContain('nope');
    expect(text).not.toContain(merchant.pem.encryptedPkcs8Private.split('\n')[2]!);
  });

  it('keeps plaintext and key material out of RSA decryption errors', () => {
    const text = leakProbe(thrown(() => Rsa.decrypt(Rsa.encrypt(SECRET, merchant.publicKey), stranger.privateKey)));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(stranger.der.pkcs1Private.slice(40, 80));
  });
});
