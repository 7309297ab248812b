/**
 * Property-based: an APIv2 answer reaches the caller only when it is well-formed XML, SUCCESS, signed (MD5 or
 * HMAC-SHA256, computed here with node:crypto) over every field it carries, and then exactly as sent; anything
 * else is a typed error. Every request the loopback platform received carries a sign it verifies independently.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Builder } from '../../lib/core/builder.js';
import { Transformer } from '../../lib/util/transformer.js';
import { keyPair, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL } from '../support/platform.js';
import { anyText, count, counted, ours, PARAMETERS, RUNS, V2_SECRET, watchUnhandledRejections } from './support.js';

type AnyClient = any;
const unhandled = watchUnhandledRejections();

function sign(fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256', secret = V2_SECRET): string {
  const text = `${Object.keys(fields).filter((key) => key !== 'sign' && fields[key] !== '').sort().map((key) => `${key}=${fields[key]}`).join('&')}&key=${secret}`;
  return (type === 'HMAC-SHA256' ? createHmac('sha256', secret).update(text) : createHash('md5').update(text)).digest('hex').toUpperCase();
}

/** Element text as a platform would write it: CDATA, or escaped when the value holds `]]>`. */
function text(value: string): string {
  return value.includes(']]>') ? value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : `<![CDATA[${value}]]>`;
}
const toXml = (fields: Record<string, string>, extra = '') => `<xml>${Object.entries(fields).map(([k, v]) => `<${k}>${text(v)}</${k}>`).join('')}${extra}</xml>`;
const fromXml = (xml: string) => Object.fromEntries([...xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)].map((m) => [m[1]!, m[2] ?? m[3] ?? '']));

let server: Server;
let client: AnyClient;
let body = '';
const unsignedRequests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const fields = fromXml(Buffer.concat(chunks).toString('utf8'));
      if (fields['sign'] !== sign(fields, fields['sign_type'] === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5') || fields['mch_id'] !== MCHID) {
        unsignedRequests.push(JSON.stringify(fields));
      }
      response.writeHead(200, { 'Content-Type': 'text/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = Builder.factory({
    mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: keyPair('merchant').privatePem, certs: { [PLATFORM_SERIAL]: keyPair('platform').publicPem },
    secret: V2_SECRET, baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, timeout: 5000,
  });
});
afterAll(() => new Promise((resolve) => {
  server.closeAllConnections();
  server.close(resolve);
}));

const XML_TEXT = /^[\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/).filter((key) => !['sign', 'return_code', 'result_code', 'xml'].includes(key));
const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('', ' ', 'a&b', '<x>', ']]>', '&amp;', '中文'))
  .filter((candidate) => XML_TEXT.test(candidate));

const answers = fc.record({
  fields: fc.dictionary(name, value, { maxKeys: 6 }),
  returnCode: fc.constantFrom('SUCCESS', 'SUCCESS', 'SUCCESS', 'FAIL', ''),
  resultCode: fc.constantFrom('SUCCESS', 'SUCCESS', 'FAIL', undefined),
  signed: fc.constantFrom('MD5', 'HMAC-SHA256', 'wrong', 'none'),
  injected: fc.constantFrom('', '', '', '<promotion_detail><amount>100000</amount></promotion_detail>', '<total_fee>1</total_fee><total_fee>2</total_fee>',
    '<__proto__>x</__proto__>', '<!DOCTYPE x [<!ENTITY e "e">]>', '<unclosed>'),
});

describe('APIv2 answers', () => {
  it(`resolve exactly the signed fields, or fail typed (${RUNS} cases)`, async () => {
    await fc.assert(fc.asyncProperty(answers, async ({ fields, returnCode, resultCode, signed, injected }) => {
      count('XML answers');
      const all: Record<string, string> = { return_code: returnCode, ...(resultCode === undefined ? {} : { result_code: resultCode }), ...fields };
      if (signed === 'MD5' || signed === 'HMAC-SHA256') all['sign'] = sign(all, signed);
      else if (signed === 'wrong') all['sign'] = sign(all, 'MD5', 'another-secret-0123456789abcdefg');
      body = toXml(all, injected);
      const acceptable = returnCode === 'SUCCESS' && (resultCode === undefined || resultCode === 'SUCCESS')
        && (signed === 'MD5' || signed === 'HMAC-SHA256') && injected === '';
      let data: unknown;
      try {
        data = (await client.v2.pay.orderquery.post({ xml: { mch_id: MCHID, out_trade_no: '1' } })).data;
      } catch (error) {
        ours(error);
      }
      if (acceptable !== (data !== undefined)) throw new Error(`${acceptable ? 'refused' : 'accepted'}: ${body.slice(0, 300)}`);
      if (data !== undefined && JSON.stringify(data) !== JSON.stringify(all)) {
        throw new Error(`resolved ${JSON.stringify(data)}, sent ${JSON.stringify(all)}`);
      }
    }), PARAMETERS);
    expect(unsignedRequests).toEqual([]);
  }, 600_000);
});

describe('Transformer.toArray', () => {
  const documents = fc.oneof(anyText, fc.array(fc.oneof(anyText, fc.constantFrom('<xml>', '</xml>', '<a>', '</a>', '<![CDATA[', ']]>', '&#0;', '&lt;',
    '&nbsp;', '<!--', '-->', '<?x?>', '<!DOCTYPE', '<__proto__/>', '<constructor>', '&#x110000;')), { maxLength: 12 }).map((parts) => parts.join('')));

  it(`parses or refuses with an XmlError, whatever the text (${RUNS} cases)`, () => {
    fc.assert(fc.property(fc.oneof(documents, fc.anything()), (document) => {
      count('XML documents');
      try {
        const record = Transformer.toArray(document as string);
        if (Object.getPrototypeOf(record) !== Object.prototype) throw new Error('not a plain object');
      } catch (error) {
        ours(error);
      }
    }), PARAMETERS);
  });
});

describe('the whole file', () => {
  it('left no unhandled rejection', () => {
    expect(unhandled.seen).toEqual([]);
    expect(Math.min(...counted.values())).toBeGreaterThanOrEqual(RUNS);
    console.log(`fuzz (XML answers): ${[...counted].map(([label, runs]) => `${label} ${runs}`).join(', ')} cases`);
  });
});
