/**
 * The sandbox's own APIv2 code: the `sign` of a message and its XML, written here from the protocol
 * (docs/protocol.md#apiv2-xml) and node:crypto / fast-xml-parser, never with the client's `Hash`, `Formatter`
 * or `Transformer`. A defect in the client's signing (keys in the wrong order, an empty value signed, the
 * wrong digest) is then refused by the sandbox instead of being reproduced by it.
 *
 * - The string to sign: the fields (nested elements aside) whose value is not empty, `sign` aside, in the
 *   byte order of their names, written `name=value` and joined by `&`, then `&key=<the APIv2 secret>`.
 * - `MD5`: upper-case hex MD5 of that string. `HMAC-SHA256`: upper-case hex HMAC-SHA256 of that string,
 *   keyed with the secret.
 * - XML: one root element of flat or nested elements; a `<!DOCTYPE` or `<!ENTITY` anywhere is refused
 *   before parsing (no entity is ever expanded, nothing is fetched); the five predefined entities and
 *   character references are decoded in text, not in CDATA.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type V2SignType = 'MD5' | 'HMAC-SHA256';
export const V2_SIGN_TYPES: readonly V2SignType[] = ['MD5', 'HMAC-SHA256'];

/** What the secret is shown as wherever the string to sign is shown (the request log). */
export const SECRET_PLACEHOLDER = '<APIv2 secret>';

/** Compares two names by their UTF-8 bytes (the platform's order). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `a=1&b=2` of the signed fields, without the key. */
export function v2SignedPairs(fields: Record<string, unknown>): string {
  return Object.keys(fields)
    .filter((name) => name !== 'sign' && typeof fields[name] === 'string' && fields[name] !== '')
    .sort(byBytes)
    .map((name) => `${name}=${fields[name] as string}`)
    .join('&');
}

/** The sign of `fields` with `secret`. */
export function v2Sign(type: V2SignType, fields: Record<string, unknown>, secret: string): string {
  if (!secret) throw new Error('the APIv2 secret is empty');
  const text = `${v2SignedPairs(fields)}&key=${secret}`;
  const digest = type === 'HMAC-SHA256' ? createHmac('sha256', secret).update(text, 'utf8') : createHash('md5').update(text, 'utf8');
  return digest.digest('hex').toUpperCase();
}

/** Whether `given` is the sign of `fields` (constant time over the expected length). */
export function v2SignMatches(type: V2SignType, fields: Record<string, unknown>, secret: string, given: string): boolean {
  const expected = Buffer.from(v2Sign(type, fields, secret));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** An XML element's content: text, nested elements, or the values of a repeated element. */
export type V2Value = string | V2Record | Array<string | V2Record>;
export interface V2Record {
  [name: string]: V2Value;
}

const REFUSED = /<!(?:DOCTYPE|ENTITY)/i;
const DANGEROUS = new Set(['__proto__', 'constructor', 'prototype']);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  processEntities: false,
  htmlEntities: false,
  transformTagName: (name: string) => {
    if (DANGEROUS.has(name.replace(/\/$/, ''))) throw new Error(`the element name ${name} is refused`);
    return name;
  },
});

type Node = Record<string, unknown>;
const nameOf = (node: Node): string => Object.keys(node).find((key) => key !== ':@')!;

function decode(text: string): string {
  return text.replace(/&(?:#x([0-9A-Fa-f]+)|#(\d+)|([A-Za-z]+));/g, (whole, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) {
      const value = ENTITIES[name];
      if (value === undefined) throw new Error(`the entity ${whole} is not declared`);
      return value;
    }
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    if (!(code >= 0x20 || code === 0x9 || code === 0xa || code === 0xd) || code > 0x10ffff) throw new Error(`the reference ${whole} is not a character`);
    return String.fromCodePoint(code);
  });
}

function contentOf(children: Node[]): string | V2Record {
  const elements = children.filter((child) => !['#text', '#cdata'].includes(nameOf(child)));
  if (elements.length === 0) {
    return children.map((child) => {
      if ('#text' in child) return decode(String(child['#text']));
      return (child['#cdata'] as Node[]).map((part) => String(part['#text'] ?? '')).join('');
    }).join('');
  }
  const out: V2Record = {};
  for (const element of elements) {
    const name = nameOf(element);
    const value = contentOf(element[name] as Node[]);
    const seen = Object.hasOwn(out, name) ? out[name] : undefined;
    const next = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    Object.defineProperty(out, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The fields of an APIv2 XML body; throws an Error saying why it is not one. */
export function parseV2Xml(xml: string): V2Record {
  const text = xml.replace(/^\uFEFF/, '');
  if (REFUSED.test(text)) throw new Error('a DOCTYPE or ENTITY declaration is refused');
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) throw new Error(`${verdict.err.msg} (line ${verdict.err.line})`);
  const roots = (parser.parse(text) as Node[]).filter((node) => !['#text', '#cdata'].includes(nameOf(node)));
  if (roots.length !== 1) throw new Error(`one root element is expected, found ${roots.length}`);
  const content = contentOf(roots[0]![nameOf(roots[0]!)] as Node[]);
  return typeof content === 'string' ? {} : content;
}

function text(value: string): string {
  return /[<>&"]/.test(value) ? `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>` : value.replaceAll('\r', '&#13;');
}

function element(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((item) => element('item', item)).join('')}</${name}>`;
  if (typeof value === 'object' && value !== null) return `<${name}>${Object.entries(value).map(([k, v]) => element(k, v)).join('')}</${name}>`;
  return `<${name}>${value === null ? '' : text(String(value))}</${name}>`;
}

/** `<xml><name>value</name>...</xml>` (values with `<`, `>`, `&` or `"` as CDATA). */
export function toV2Xml(fields: Record<string, unknown>): string {
  return element('xml', fields);
}
