/**
 * What the property-based suite shares: how many cases, the secrets no message may hold, the check that an
 * error is the SDK's own, generators of hostile values, and a watch for unhandled rejections.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { WechatpayError } from '../../lib/errors.js';
import { keyPair } from '../support/platform.js';

/** Generated cases per property: 2,000 in CI; FUZZ_RUNS=... for a longer hunt, FUZZ_SEED=... to replay one. */
export const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2000);
const seed = process.env['FUZZ_SEED'];
export const PARAMETERS: fc.Parameters<unknown> = { numRuns: RUNS, ...(seed ? { seed: Number(seed) } : {}) };

export const APIV3_KEY = 'FuzzApiV3Key0123456789abcdefghij';
export const V2_SECRET = 'FuzzV2Secret0123456789abcdefghij';
/** A password put into URLs on purpose: it must never come back in an error. */
export const PASSWORD = 'hunter2-fuzz';

/** Strings no message, JSON form or inspection of an error may contain. */
export function secrets(): string[] {
  const pem = keyPair('merchant').privatePem.split('\n');
  return [APIV3_KEY, V2_SECRET, PASSWORD, pem[3]!, pem[10]!, pem[20]!];
}

/** Counts the cases run, per property, for the closing line of each file. */
export const counted = new Map<string, number>();
export function count(name: string): void {
  counted.set(name, (counted.get(name) ?? 0) + 1);
}

/** `error` is a WechatpayError with a code, and says nothing secret; anything else fails the property. */
export function ours(error: unknown): WechatpayError {
  if (!(error instanceof WechatpayError)) {
    throw new Error(`not an SDK error: ${inspect(error, { depth: 2 }).slice(0, 500)}`);
  }
  if (typeof error.code !== 'string' || error.code === '') throw new Error(`an SDK error without a code: ${error.message}`);
  const texts = [error.message, JSON.stringify(error), inspect(error, { depth: 8 })];
  for (const secret of secrets()) {
    if (texts.some((text) => text.includes(secret))) throw new Error(`a secret in ${error.code}: ${error.message.slice(0, 200)}`);
  }
  return error;
}

/** Collects unhandled rejections while a file runs; the file's last test asserts there were none. */
export function watchUnhandledRejections(): { readonly seen: unknown[] } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', listener);
  });
  afterAll(() => {
    process.off('unhandledRejection', listener);
  });
  return { seen };
}

/** One UTF-16 code unit, lone surrogates included (what `fc.string` leaves out). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Text of every kind: any code point, any code unit, and the strings that break URLs and templates. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
  fc.constantFrom('', '.', '..', '../', '%2F', '%', '?', '#', '{x}', '{', '}', '/', '\\', ' ', '\r\n', '\u0000', '\ud800', '\udfff',
    'a/b', '..%2F..', 'http://evil.example/', '//evil.example', '__proto__', 'constructor', 'toString', '\uFEFF', '中文', '😀'),
);

/** Any value at all: primitives, objects (with a null prototype too), arrays, typed arrays, maps, dates, bigints. */
export const anyValue: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 2,
  maxKeys: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  stringUnit: 'binary',
});
