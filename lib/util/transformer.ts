import { XMLParser, XMLValidator } from 'fast-xml-parser';

import { XmlError } from '../errors.js';

/** An XML document as {@link Transformer.toArray} returns it. */
export interface XmlRecord {
  [name: string]: XmlValue;
}

/** Element text (a string), nested elements (an {@link XmlRecord}), or the values of a repeated element. */
export type XmlValue = string | XmlRecord | Array<string | XmlRecord>;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const NOT_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+/gu;
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const DOCTYPE_OR_ENTITY = /<!(?:DOCTYPE|ENTITY)/i;
const NEEDS_CDATA = /[<>&"]/;
/** Element names that would reach `Object.prototype` or a constructor if used as keys. */
const REFUSED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** XML 1.0 NameStartChar in the Basic Multilingual Plane, without `:` (an NCName: no namespace prefix). */
const NAME_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
// eslint-disable-next-line no-misleading-character-class -- U+0300-U+036F is a range of NameChar, not a combined character
const ELEMENT_NAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`);
const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE_OR_AMPERSAND = /&(?:#x([0-9A-Fa-f]+);|#([0-9]+);|([A-Za-z_][\w.-]*);)?/g;
const MAX_DEPTH = 100;

/** One node of fast-xml-parser's `preserveOrder` output: `{ tag: children }`, `{ '#text': text }` or `{ '#cdata': [...] }`. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  // Entities are decoded by `decodeText` below: the five predefined ones and character references only.
  processEntities: false,
  htmlEntities: false,
  maxNestedTags: MAX_DEPTH,
  transformTagName: refuseDangerousName,
  // Names such as `toString` stay as they are: they only ever become own properties of a fresh object.
  onDangerousProperty: (name) => name,
});

/**
 * XML to object and back, as wechatpay-php's `Transformer` (the APIv2 payloads).
 *
 * `toArray` is strict where the reference is lenient. It refuses:
 * - anything but a string (`EXML_INPUT`);
 * - any `<!DOCTYPE` or `<!ENTITY` anywhere in the text, before parsing (`EXML_DOCTYPE`): so no external
 *   entity, no entity expansion, no network, whatever the parser would do. The scan is textual on purpose,
 *   so it also refuses those words inside a CDATA value (a false positive is preferred to a scan that a
 *   comment or an attribute could fool);
 * - anything that is not one well-formed root element (`EXML_MALFORMED`): unclosed or mismatched tags,
 *   plain text, JSON, several roots, an undeclared entity such as `&nbsp;`, a character reference to a
 *   character XML cannot carry, nesting deeper than about 100 levels, and elements named `__proto__`,
 *   `constructor` or `prototype`. An HTML error page is therefore refused unless it is well-formed XML;
 *   the root element's name is not checked, so a well-formed page parses like any document, and it is the
 *   caller's job to find `return_code` in it.
 *
 * The result: element text as strings, exactly as sent (no number coercion, whitespace kept, CDATA
 * unwrapped, `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#...;` decoded in text but not in CDATA);
 * nested elements as objects; a repeated element as an array; an empty element as `''`. Attributes,
 * comments and processing instructions are ignored, and so is text beside child elements (also the root's
 * own text). As in wechatpay-php, characters XML 1.0 cannot carry are removed first ({@link Transformer.sanitize}).
 */
export const Transformer = {
  /** Parse an XML document into an object (see {@link Transformer} for what is refused). */
  toArray(xml = '<xml/>'): XmlRecord {
    if (typeof xml !== 'string') {
      throw new XmlError('EXML_INPUT', `Transformer.toArray: expected an XML string, got ${describe(xml)}`);
    }
    const text = Transformer.sanitize(xml).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    if (DOCTYPE_OR_ENTITY.test(text)) {
      throw new XmlError('EXML_DOCTYPE', 'Transformer.toArray: a DOCTYPE or ENTITY declaration is refused (an HTML page, or an XXE attempt)');
    }
    const verdict = XMLValidator.validate(text);
    if (verdict !== true) {
      const { msg, line, col } = verdict.err;
      throw malformed(`${msg} (line ${line}, column ${col})`);
    }
    const roots = parse(text).filter(isElement);
    if (roots.length !== 1) throw malformed(`expected one root element, found ${roots.length}`);
    const value = valueOf(childrenOf(roots[0]!));
    return typeof value === 'string' ? {} : value;
  },

  /**
   * Write `data` as `<root><key>value</key>...</root>`.
   *
   * Strings are written as text, or as CDATA when they contain any of `<`, `>`, `&`, `"` (every `]]>`
   * split across two sections); a carriage return is written as `&#13;` so that it survives parsing.
   * Numbers, bigints and booleans are written as `String(value)`; `null` as an empty element; `undefined`
   * is skipped. An array becomes repeated `<item>` elements (named by `item`); an object, nested elements.
   * Refused with `EXML_INPUT`: a key that is not an XML name (no `:`, no spaces, not `__proto__`,
   * `constructor` or `prototype`), a value XML cannot carry (a control character, a lone surrogate, a
   * non-finite number, a function, a class instance such as `Date` or `Buffer`), and circular data.
   *
   * @param headless - without the `<?xml version="1.0" encoding="UTF-8"?>` declaration (default)
   * @param indent - one element a line, indented by one space a level
   */
  toXml(data: Record<string, unknown>, headless = true, indent = false, root = 'xml', item = 'item'): string {
    requireElementName(root, 'the root name');
    requireElementName(item, 'the item name');
    if (!isPlainObject(data)) {
      throw new XmlError('EXML_INPUT', `Transformer.toXml: data must be a plain object, got ${describe(data)}`);
    }
    const document = writeElement(root, data, { indent, item, depth: 0, path: root, ancestors: new Set() });
    return headless ? document : `${XML_DECLARATION}\n${document}${indent ? '' : '\n'}`;
  },

  /** `xml` without the characters XML 1.0 cannot carry (as wechatpay-php's `Transformer::sanitize`). */
  sanitize(xml: string): string {
    return xml.replace(NOT_XML_CHARS, '');
  },
};

function parse(text: string): OrderedNode[] {
  try {
    return parser.parse(text) as OrderedNode[];
  } catch (cause) {
    if (cause instanceof XmlError) throw cause;
    throw malformed(cause instanceof Error ? cause.message : String(cause), cause);
  }
}

function refuseDangerousName(name: string): string {
  // fast-xml-parser passes a self-closing tag's name with its trailing `/`.
  if (REFUSED_NAMES.has(name.replace(/\/$/, ''))) {
    throw malformed(`the element name "${name.replace(/\/$/, '')}" is refused (it could reach Object.prototype)`);
  }
  return name;
}

function malformed(reason: string, cause?: unknown): XmlError {
  return new XmlError('EXML_MALFORMED', `Transformer.toArray: not a well-formed XML document: ${reason}`, { cause });
}

function isElement(node: OrderedNode): boolean {
  const name = nameOf(node);
  return name !== '#text' && name !== '#cdata';
}

function nameOf(node: OrderedNode): string {
  return Object.keys(node)[0]!;
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  return node[nameOf(node)] as OrderedNode[];
}

function valueOf(children: OrderedNode[]): string | XmlRecord {
  const elements = children.filter(isElement);
  if (elements.length === 0) return textOf(children);
  const record: XmlRecord = {};
  for (const element of elements) {
    const name = nameOf(element);
    const value = valueOf(childrenOf(element));
    const seen = Object.hasOwn(record, name) ? record[name] : undefined;
    if (seen === undefined) record[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else record[name] = [seen, value];
  }
  return record;
}

function textOf(children: OrderedNode[]): string {
  let text = '';
  for (const child of children) {
    if ('#text' in child) text += decodeText(String(child['#text']));
    else text += childrenOf(child).map((section) => String(section['#text'] ?? '')).join('');
  }
  return text;
}

function decodeText(text: string): string {
  return text.replace(REFERENCE_OR_AMPERSAND, (reference, hex?: string, decimal?: string, name?: string) => {
    if (name !== undefined) {
      const character = PREDEFINED_ENTITIES[name];
      if (character === undefined) throw malformed(`the entity "${reference}" is not declared (and never will be)`);
      return character;
    }
    if (hex === undefined && decimal === undefined) throw malformed('a bare "&" in text');
    const codePoint = hex === undefined ? Number(decimal) : Number.parseInt(hex, 16);
    const character = codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '';
    if (character === '' || NOT_XML_CHAR.test(character)) {
      throw malformed(`the character reference "${reference}" names a character XML cannot carry`);
    }
    return character;
  });
}

interface WriteContext {
  indent: boolean;
  item: string;
  depth: number;
  /** Where the value sits, for error messages (`xml.detail.item`). */
  path: string;
  /** The containers being written, to refuse circular data. */
  ancestors: Set<object>;
}

function writeElement(name: string, value: unknown, context: WriteContext): string {
  const margin = context.indent ? ' '.repeat(context.depth) : '';
  const eol = context.indent ? '\n' : '';
  if (Array.isArray(value) || isPlainObject(value)) {
    const children = writeChildren(value, context);
    return children === '' ? `${margin}<${name}></${name}>${eol}` : `${margin}<${name}>${eol}${children}${margin}</${name}>${eol}`;
  }
  return `${margin}<${name}>${content(value, context.path)}</${name}>${eol}`;
}

function writeChildren(container: unknown[] | Record<string, unknown>, context: WriteContext): string {
  if (context.ancestors.has(container)) {
    throw new XmlError('EXML_INPUT', `Transformer.toXml: ${context.path} is circular`);
  }
  context.ancestors.add(container);
  const entries: Array<[string, unknown]> = Array.isArray(container)
    ? container.map((value) => [context.item, value])
    : Object.entries(container);
  let xml = '';
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const path = `${context.path}.${key}`;
    requireElementName(key, path);
    xml += writeElement(key, value, { ...context, depth: context.depth + 1, path });
  }
  context.ancestors.delete(container);
  return xml;
}

function content(value: unknown, path: string): string {
  if (value === null) return '';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new XmlError('EXML_INPUT', `Transformer.toXml: ${path} is ${value}, which is not a number XML can carry`);
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'boolean') {
    throw new XmlError('EXML_INPUT', `Transformer.toXml: ${path} is ${describe(value)}, which cannot be written as XML`);
  }
  const text = String(value);
  const bad = NOT_XML_CHAR.exec(text);
  if (bad !== null) {
    const codePoint = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new XmlError('EXML_INPUT', `Transformer.toXml: ${path} contains U+${codePoint}, which XML cannot carry`);
  }
  return NEEDS_CDATA.test(text) ? cdata(text) : text.replaceAll('\r', '&#13;');
}

/** `text` as CDATA: `]]>` is split across two sections; `\r` sits between sections as `&#13;` (a raw one would be read as `\n`). */
function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>').replaceAll('\r', ']]>&#13;<![CDATA[')}]]>`;
}

function requireElementName(name: unknown, what: string): void {
  if (typeof name !== 'string' || !ELEMENT_NAME.test(name) || REFUSED_NAMES.has(name)) {
    throw new XmlError('EXML_INPUT', `Transformer.toXml: ${what} is not an XML element name: ${JSON.stringify(name) ?? String(name)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof value}`;
}
