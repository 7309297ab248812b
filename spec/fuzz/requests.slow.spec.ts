/**
 * Property-based: whatever a call is given (template values, option objects, header maps), it ends in one of
 * two ways. Either a typed SDK error, and then no request reached the platform unless the error came after
 * sending (a deadline, a size limit), or a request that the independent loopback platform (node:crypto only,
 * spec/support/platform.ts) verifies over exactly the bytes it received. Never another error, never an
 * unhandled rejection, never a secret in a message.
 */
import fc from 'fast-check';
import { Builder } from '../../lib/core/builder.js';
import { Platform, type Answer, type CapturedRequest } from '../support/platform.js';
import { anyText, anyValue, count, counted, ours, PARAMETERS, PASSWORD, RUNS, watchUnhandledRejections } from './support.js';

type AnyClient = any;
const platform = new Platform();
const unhandled = watchUnhandledRejections();
let client: AnyClient;

beforeAll(async () => {
  await platform.start();
  // One signed answer, served to every request: the cost measured here is the client's, not the platform's signing.
  const signed = platform.render({ body: '{"ok":true}' });
  const answer: Answer = {
    body: '{"ok":true}',
    timestamp: signed.headers['Wechatpay-Timestamp']!,
    nonce: signed.headers['Wechatpay-Nonce']!,
    signature: signed.headers['Wechatpay-Signature']!,
  };
  platform.respond = () => answer;
  client = Builder.factory(platform.config({ timeout: 5000 }));
});
afterAll(() => platform.stop());

interface Outcome {
  resolved: boolean;
  /** What reached the platform during the call; the call's own request is the last. */
  sent: CapturedRequest[];
}

/** Runs one call; an error must be the SDK's, and whatever reached the platform must verify there. */
async function outcome(call: () => unknown): Promise<Outcome> {
  const before = platform.requests.length;
  let resolved = false;
  try {
    await call();
    resolved = true;
  } catch (error) {
    ours(error);
  }
  const sent = platform.requests.slice(before);
  for (const request of sent) {
    if (!request.authorized) throw new Error(`an unsigned request reached the platform: ${request.method} ${request.target}`);
  }
  // (A request of an earlier case that timed out on the client may arrive late, during this one.)
  if (resolved && sent.length === 0) throw new Error('a call resolved without a request');
  return { resolved, sent };
}

/** Property names a chain node answers itself (so a value of that name is not a path segment). */
const NODE_MEMBERS = new Set(['then', 'toJSON', 'toString', 'valueOf', 'inspect', 'get', 'post', 'put', 'patch', 'delete',
  'getAsync', 'postAsync', 'putAsync', 'patchAsync', 'deleteAsync']);

describe('template values', () => {
  it(`a value reaches the platform as one percent-encoded segment, or is refused before any I/O (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(anyText, fc.constantFrom('option', 'property', 'tagged'), async (value, style) => {
      count('template values');
      if (style === 'property' && NODE_MEMBERS.has(value)) return;
      const call = {
        option: () => client.chain('v3/fuzz/{id}/end').get({ id: value }),
        property: () => client.v3.pay.transactions.id[value].get(),
        tagged: () => client.chain`v3/fuzz/${value}/end`.get(),
      }[style];
      const { resolved, sent } = await outcome(call);
      if (!resolved) {
        if (sent.length !== 0) throw new Error('a refused template value was sent');
        return;
      }
      const path = sent.at(-1)!.target.split('?')[0]!;
      const segment = style === 'property' ? path.slice('/v3/pay/transactions/id/'.length) : path.slice('/v3/fuzz/'.length, -'/end'.length);
      if (/[/?#]/.test(segment)) throw new Error(`the value escaped its segment: ${path}`);
      if (decodeURIComponent(segment) !== value) throw new Error(`the value did not round-trip: ${JSON.stringify(value)} -> ${segment}`);
    }), PARAMETERS);
  }, 600_000);
});

/** The options a call may be given: every key the SDK reads or passes to axios, with hostile and ordinary values. */
function optionObjects(baseURL: string) {
  const good: Record<string, fc.Arbitrary<unknown>> = {
    json: fc.oneof(fc.jsonValue({ maxDepth: 2 }), anyValue),
    query: fc.oneof(fc.dictionary(anyText, fc.oneof(anyText, fc.integer(), fc.array(anyText, { maxLength: 3 })), { maxKeys: 3 }), anyValue),
    params: anyValue,
    body: fc.oneof(anyText, fc.uint8Array({ maxLength: 64 }), anyValue),
    headers: fc.oneof(fc.dictionary(fc.constantFrom('X-Trace', 'Accept', 'Content-Type', 'Content-Length', 'Authorization', 'Host'), fc.oneof(anyText, anyValue)), anyValue),
    multipart: anyValue,
    xml: anyValue,
    baseURL: fc.oneof(
      fc.constantFrom(baseURL, `${baseURL}prefix/`, baseURL.replace('http://', `http://user:${PASSWORD}@`), 'javascript:alert(1)', 'ftp://127.0.0.1/', '/relative'),
      anyText.filter((text) => !/^\s*[a-z][a-z0-9+.-]*:/i.test(text)),
      anyValue,
    ),
    base_uri: fc.constantFrom(baseURL, baseURL.replace('http://', `http://:${PASSWORD}@`), 42),
    timeout: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(0.4, -1, Number.NaN, Infinity, '2000', 2 ** 40)),
    maxContentLength: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.constantFrom(0.5, -2, '1000', 1e6)),
    maxRedirects: fc.oneof(fc.integer({ min: 0, max: 3 }), anyValue),
    auth: fc.oneof(fc.constant({ username: 'user', password: PASSWORD }), anyValue),
    signal: fc.oneof(fc.constant(undefined), fc.constant('abort').map(() => AbortSignal.abort()), fc.constant('soon').map(() => AbortSignal.timeout(1)), anyValue),
    responseType: fc.constantFrom('stream', 'json', 'text', 'arraybuffer', 'document', 42),
    decompress: fc.oneof(fc.boolean(), anyValue),
    validateStatus: fc.oneof(fc.constant(null), fc.constant(() => true), anyValue),
    transformResponse: fc.oneof(fc.constant((data: unknown) => data), anyValue),
    transformRequest: anyValue,
    security: anyValue,
    nonceless: anyValue,
    id: anyText,
  };
  const keys = Object.keys(good);
  return fc.uniqueArray(fc.constantFrom(...keys), { maxLength: 5 }).chain((chosen) =>
    fc.record(Object.fromEntries(chosen.map((key) => [key, good[key]!]))));
}

describe('option objects', () => {
  it(`every call ends typed before any I/O, or signed as the platform verifies it (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(optionObjects(platform.baseURL), fc.constantFrom('get', 'post'), fc.boolean(), async (options, verb, raw) => {
      count('option objects');
      const node = raw ? client.chain('v3/fuzz/{id}') : client.v3.fuzz._id_;
      const call = () => node[verb]({ id: 'x', ...options });
      const { resolved, sent } = await outcome(call);
      if (resolved && typeof (options as { json?: unknown }).json !== 'undefined' && sent.at(-1)!.body.length > 0) {
        if (sent.at(-1)!.body.toString('utf8') !== JSON.stringify((options as { json?: unknown }).json)) throw new Error('the json sent is not the json given');
      }
    }), PARAMETERS);
  }, 600_000);

  it(`an options argument that is not an object is refused typed (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(anyValue, async (options) => {
      count('option arguments');
      await outcome(() => client.v3.fuzz.get(options));
    }), PARAMETERS);
  }, 600_000);
});

const HEADER_NAMES = ['Content-Type', 'Accept', 'User-Agent', 'Wechatpay-Serial', 'Authorization', 'Content-Length', 'Transfer-Encoding', 'Host',
  'Connection', 'Expect', 'Keep-Alive', 'Upgrade', 'TE', 'Trailer', 'Proxy-Connection', 'Cookie', 'Accept-Encoding', 'X-Trace', 'x-trace', 'Request-ID'];

describe('header maps', () => {
  const names = fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ unit: 'binary-ascii', maxLength: 16 }), anyText);
  const values = fc.oneof(anyText, fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), anyValue);

  it(`headers arrive exactly as given, or are refused before any I/O (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(fc.dictionary(names, values, { maxKeys: 4 }), fc.boolean(), async (headers, inFactory) => {
      count('header maps');
      let call: () => unknown = () => client.v3.fuzz.post({ json: { a: 1 }, headers });
      if (inFactory) {
        call = () => {
          let configured: AnyClient;
          try {
            configured = Builder.factory(platform.config({ headers, timeout: 5000 }));
          } catch (error) {
            throw ours(error);
          }
          return configured.v3.fuzz.post({ json: { a: 1 } });
        };
      }
      const { resolved, sent } = await outcome(call);
      if (!resolved || sent.length === 0) return;
      const received = sent.at(-1)!.headers;
      const given = Object.entries(headers).filter(([, value]) => value !== undefined && value !== null);
      const lower = given.map(([name]) => name.toLowerCase());
      for (const [name, value] of given) {
        if (lower.filter((other) => other === name.toLowerCase()).length > 1) continue;
        const arrived = received[name.toLowerCase()];
        // HTTP drops the spaces and tabs around a field value (RFC 9110, 5.5).
        if (arrived !== String(value).replace(/^[ \t]+|[ \t]+$/g, '')) {
          throw new Error(`${name} arrived as ${JSON.stringify(arrived)}, given ${JSON.stringify(value)}`);
        }
      }
    }), PARAMETERS);
  }, 600_000);
});

describe('the whole file', () => {
  it('left no unhandled rejection', () => {
    expect(unhandled.seen).toEqual([]);
    expect(Math.min(...counted.values())).toBeGreaterThanOrEqual(RUNS);
    console.log(`fuzz (requests): ${[...counted].map(([name, runs]) => `${name} ${runs}`).join(', ')} cases`);
  });
});
