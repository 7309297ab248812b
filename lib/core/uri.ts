import { parseTemplate } from 'url-template';
import { TemplateError } from '../errors.js';
import { CREDENTIALS_PROBLEM, hasCredentials } from './request-rules.js';

/** `{name}` placeholder of the WeChat Pay docs for "this template ends with a slash". */
const EMPTY_LAST_SEGMENT = /\/\{empty\}$/;
const EXPRESSION = /\{([^{}]*)\}/g;
const OPERATORS = '+#./;?&';
/** Operators whose variables may be absent (RFC 6570 omits them); every other variable is required. */
const OPTIONAL_OPERATORS = '?&';

/**
 * A template fit to be repeated in messages: one written as a whole URL with credentials is refused here,
 * first, without repeating it (every later message names the template).
 */
export function checkTemplate(template: string): void {
  if (hasCredentials(template)) {
    throw new TemplateError('EURI_INVALID', '(a URL with credentials)', `The URI template is a URL that ${CREDENTIALS_PROBLEM}`);
  }
}

/** A UTF-16 code unit that is half of a pair without its other half: not Unicode, so not percent-encodable. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** A template as it will be requested: a trailing `{empty}` (the documented trailing-slash idiom) is the slash itself. */
export function requestedTemplate(template: string): string {
  return template.replace(EMPTY_LAST_SEGMENT, '/');
}

/**
 * A property name of the chain as a path segment (docs/protocol.md#normalisation-rules): a leading capital is
 * lower-cased, every other capital `X` becomes `-x`, and `_name_` / `$name$` become `{name}`.
 * A name holding `/`, `{` or `}` is a path written out by hand and is kept verbatim.
 */
export function normalizeProperty(name: string): string {
  if (/[/{}]/.test(name)) return name;
  const dashed = name.replace(/^[A-Z]/, (c) => c.toLowerCase()).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const placeholder = /^_(.+)_$/.exec(dashed) ?? /^\$(.+)\$$/.exec(dashed);
  return placeholder ? `{${placeholder[1]}}` : dashed;
}

interface ParsedTemplate {
  variables: { required: string[]; optional: string[] };
  /** Every variable name, plus `empty` (the trailing-slash placeholder needs no value). */
  names: ReadonlySet<string>;
  expand: (context: Record<string, Primitive | Primitive[]>) => string;
}

/** Parsed templates, bounded: chains repeat a few hundred templates; tagged templates may make endless ones. */
const parsed = new Map<string, ParsedTemplate>();
const PARSED_LIMIT = 1024;

function parse(template: string): ParsedTemplate {
  let entry = parsed.get(template);
  if (!entry) {
    const compiled = parseTemplate(template);
    const variables = scanVariables(template);
    const simple = simpleExpansion(template);
    entry = {
      variables,
      names: new Set([...variables.required, ...variables.optional, 'empty']),
      expand: (context) => simple?.(context) ?? compiled.expand(context),
    };
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(template, entry);
  }
  return entry;
}

/**
 * A template made only of literals and `{name}` expressions (every endpoint of the API), expanded as url-template
 * expands it but without re-parsing the template on each call: the literals encoded once (by url-template), each
 * value as RFC 6570 simple string expansion encodes it. Undefined for any other template; the expander answers
 * undefined for a value it does not handle (a list), which url-template then expands.
 */
function simpleExpansion(template: string): ((context: Record<string, Primitive | Primitive[]>) => string | undefined) | undefined {
  const literals: string[] = [];
  const names: string[] = [];
  let end = 0;
  for (const match of template.matchAll(EXPRESSION)) {
    if (!/^\w+$/.test(match[1]!)) return undefined;
    literals.push(template.slice(end, match.index));
    names.push(match[1]!);
    end = match.index + match[0].length;
  }
  literals.push(template.slice(end));
  if (literals.some((literal) => /[{}]/.test(literal))) return undefined;
  const encoded = literals.map((literal) => parseTemplate(literal).expand({}));
  return (context) => {
    let out = encoded[0]!;
    for (let index = 0; index < names.length; index++) {
      const value = context[names[index]!];
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
      out += encodeUnreserved(String(value)) + encoded[index + 1]!;
    }
    return out;
  };
}

const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;

/** RFC 3986 unreserved characters kept, everything else percent-encoded (url-template's `{x}` encoding). */
function encodeUnreserved(text: string): string {
  if (UNRESERVED_ONLY.test(text)) return text;
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The variables a template needs, split into the required ones and those RFC 6570 may omit. */
export function templateVariables(template: string): { required: string[]; optional: string[] } {
  const { required, optional } = parse(template).variables;
  return { required: [...required], optional: [...optional] };
}

/** Whether `name` is a variable of the template (or `empty`); cached with the parsed template. */
export function isTemplateVariable(template: string, name: string): boolean {
  return parse(template).names.has(name);
}

function scanVariables(template: string): { required: string[]; optional: string[] } {
  const required: string[] = [];
  const optional: string[] = [];
  for (const [, body = ''] of template.matchAll(EXPRESSION)) {
    const operator = OPERATORS.includes(body.charAt(0)) ? body.charAt(0) : '';
    for (const spec of body.slice(operator.length).split(',')) {
      const name = spec.replace(/(:\d+|\*)$/, '');
      (OPTIONAL_OPERATORS.includes(operator) && operator !== '' ? optional : required).push(name);
    }
  }
  return { required, optional };
}

type Primitive = string | number | boolean;

/**
 * Expands a URI template (RFC 6570) with the given variables. Everything that could make the result
 * ambiguous is an error thrown here, before any I/O: a missing or empty variable, an expression left
 * unexpanded, a value that is not a primitive, a value that is `.` or `..` (URL parsers resolve those).
 */
export function expandTemplate(template: string, variables: Readonly<Record<string, unknown>>): string {
  const effective = EMPTY_LAST_SEGMENT.test(template) && variables['empty'] === undefined
    ? template.replace(EMPTY_LAST_SEGMENT, '/')
    : template;
  // Checked before parsing: the parsed form encodes the template's literals, which a lone surrogate cannot be.
  if (LONE_SURROGATE.test(effective)) {
    throw new TemplateError('EURI_INVALID', template, 'The URI template is not well-formed Unicode (it holds half of a surrogate pair)');
  }
  const { variables: { required, optional }, expand } = parse(effective);
  const context: Record<string, Primitive | Primitive[]> = Object.create(null) as Record<string, Primitive>;

  for (const name of [...required, ...optional]) {
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (value === undefined || value === null || value === '') {
      if (required.includes(name)) {
        throw new TemplateError('EURI_VARIABLE_MISSING', template,
          `URI template ${template} needs the variable "${name}" (a non-empty string or number in the request options)`);
      }
      continue;
    }
    context[name] = checkedValue(template, name, value);
  }

  const expanded = expand(context);
  if (/[{}]/.test(expanded)) {
    throw new TemplateError('EURI_UNEXPANDED', template, `URI template ${template} has an expression that cannot be expanded`);
  }
  return expanded;
}

function checkedValue(template: string, name: string, value: unknown): Primitive | Primitive[] {
  return Array.isArray(value) ? value.map((item) => checkedItem(template, name, item)) : checkedItem(template, name, value);
}

function checkedItem(template: string, name: string, item: unknown): Primitive {
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
    if (item === '.' || item === '..') {
      throw new TemplateError('EURI_INVALID', template, `URI template ${template}: "${name}" cannot be "${item}"`);
    }
    if (typeof item === 'string' && LONE_SURROGATE.test(item)) {
      throw new TemplateError('EURI_INVALID', template, `URI template ${template}: "${name}" is not well-formed Unicode (it holds half of a surrogate pair)`);
    }
    return item;
  }
  if (typeof item === 'bigint') return item.toString();
  throw new TemplateError('EURI_INVALID', template,
    `URI template ${template}: "${name}" must be a string or a number, got ${item === null ? 'null' : typeof item}`);
}

/** One path segment from an arbitrary value, encoded as RFC 6570 `{x}` would (used by tagged templates). */
export function encodeSegment(value: unknown): string {
  return expandTemplate('{value}', { value });
}

/**
 * The absolute URL of a request: the expanded path resolved against the base URL (whose path prefix,
 * such as `/hk/`, is kept), plus the query string.
 */
export function resolveUrl(baseURL: string, path: string, query: string): URL {
  const base = baseURL.endsWith('/') ? baseURL : `${baseURL}/`;
  const url = new URL(path.replace(/^\/+/, ''), base);
  if (query) url.search = url.search ? `${url.search}&${query}` : `?${query}`;
  return url;
}
