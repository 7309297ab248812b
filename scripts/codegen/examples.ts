/**
 * Example values built from a schema's documented examples: for the docs' call samples, and for a
 * sandbox answering from examples. Values are coerced to the schema's type (the data sometimes writes
 * `example: '100'` for an integer) and to its enum.
 */
import type { Json } from './load.js';
import type { Schema } from './model.js';

export interface ExampleOptions {
  /** Include optional fields only when they (or a field inside) have a documented example. Default true. */
  sparse?: boolean;
  /** Field names to leave out (e.g. APIv2 `nonce_str`, `sign`). */
  omit?: ReadonlySet<string>;
  /** APIv2 XML: every scalar as a string. */
  xml?: boolean;
}

export function coerce(value: Json, schema: Schema, xml: boolean): Json {
  if (schema.enum?.length && !schema.enum.some((e) => String(e) === String(value))) value = schema.enum[0]!;
  if (xml && value !== null && typeof value !== 'object') return String(value);
  switch (schema.type) {
    case 'string':
      return value === null || typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'integer':
    case 'number': {
      const n = Number(value);
      return Number.isFinite(n) ? n : 0;
    }
    case 'boolean':
      return value === true || value === 'true';
    default:
      return value;
  }
}

/** A placeholder for a scalar without an example. */
function placeholder(schema: Schema, name: string, xml: boolean): Json {
  if (schema.default !== undefined) return coerce(schema.default, schema, xml);
  if (schema.enum?.length) return coerce(schema.enum[0]!, schema, xml);
  switch (schema.type) {
    case 'integer':
    case 'number':
      return xml ? '0' : 0;
    case 'boolean':
      return xml ? 'false' : false;
    default:
      return `<${name}>`;
  }
}

/** Whether the schema or anything inside it carries a documented example. */
export function hasExample(schema: Schema | undefined): boolean {
  if (!schema) return false;
  if (schema.example !== undefined) return true;
  if (schema.items && hasExample(schema.items)) return true;
  if (schema.oneOf?.some(hasExample)) return true;
  return Object.values(schema.properties ?? {}).some(hasExample);
}

/** An example value for `schema` (named `name`, for placeholders). */
export function exampleOf(schema: Schema, name = 'value', options: ExampleOptions = {}): Json {
  const xml = options.xml ?? false;
  const sparse = options.sparse ?? true;
  if (schema.oneOf?.length) return exampleOf(schema.oneOf[0]!, name, options);
  const type = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
  if (type === 'object' && schema.properties && !schema['x-json']) {
    if (schema.example !== undefined && typeof schema.example === 'object' && schema.example !== null && !Array.isArray(schema.example)) return schema.example;
    const required = new Set(schema.required ?? []);
    const out: Record<string, Json> = {};
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (key.includes('$') || options.omit?.has(key)) continue;
      if (sparse && !required.has(key) && !hasExample(prop)) continue;
      out[key] = exampleOf(prop, key, options);
    }
    return out;
  }
  if (type === 'array') {
    if (Array.isArray(schema.example)) return schema.example.map((v) => (schema.items ? coerce(v, schema.items, xml) : v));
    return schema.items ? [exampleOf(schema.items, name, options)] : [];
  }
  if (type === 'object' && !schema['x-json']) return schema.example !== undefined && typeof schema.example === 'object' ? schema.example : {};
  if (schema.example !== undefined) return coerce(schema.example, schema['x-json'] ? { type: 'string' } : schema, xml);
  return placeholder(schema, name, xml);
}
