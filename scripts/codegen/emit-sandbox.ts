/**
 * lib/generated/sandbox.json: what the embedded sandbox (lib/sandbox/) needs at run time, per endpoint:
 * its method, template and area; the schemas its path, query, headers, body and multipart parts are
 * validated against; the kind of answer; a documented example request and a documented example answer.
 *
 * The schemas are the model's, reduced to the validation keywords (no descriptions, no examples), with
 * the data's notation read as intended (`/regex/` patterns, enums written in another type than their
 * field, formats the validator cannot know). Schemas used by more than one endpoint are written once,
 * under `definitions`. One endpoint a line, so that a change of the data reads as a small diff.
 */
import type { Json } from './load.js';
import type { Endpoint, Model, Schema } from './model.js';
import { coerce } from './examples.js';
import { V2_SDK_FIELDS } from './emit-types.js';
import type { ExampleRequest, SandboxEndpoint, SandboxFormPart, SandboxParam, SandboxSchema } from '../../lib/sandbox/data.js';
import { DEFINITIONS_ID, FORMATS } from '../../lib/sandbox/data.js';

/** Formats the sandbox checks (lib/sandbox/validate.ts); any other `format` of the data is descriptive only. */
export const CHECKED_FORMATS: ReadonlySet<string> = new Set(Object.keys(FORMATS));

/** Values for a field without a documented example, by format. */
const FORMAT_SAMPLES: Readonly<Record<string, string>> = {
  rfc3339: '2025-01-01T08:00:00+08:00',
  date: '2025-01-01',
  numeric: '1000000001',
  yyyyMMddHHmmss: '20250101080000',
  url: 'https://example.com/sandbox',
  MediaUrl: 'https://example.com/sandbox.png',
};

/** `/\d{8}/` as the data sometimes writes a pattern, read as `\d{8}`; a pattern that is no regular expression is dropped. */
function patternOf(pattern: string): string | undefined {
  const bare = /^\/(.*)\/$/.exec(pattern)?.[1] ?? pattern;
  try {
    new RegExp(bare, 'u');
    return bare;
  } catch {
    return undefined;
  }
}

/** An enum written in another type than its field's (`type: string`, `enum: [2]`) is read in the field's type. */
function enumOf(schema: Schema): Array<string | number | boolean> | undefined {
  if (!schema.enum?.length) return undefined;
  switch (schema.type) {
    case 'string':
      return [...new Set(schema.enum.map(String))];
    case 'integer':
    case 'number':
      return schema.enum.every((v) => Number.isFinite(Number(v))) ? [...new Set(schema.enum.map(Number))] : undefined;
    default:
      return schema.enum;
  }
}

/**
 * APIv2 fields as XML carries them: text. A boolean is written `true`/`TRUE` (or `false`/`FALSE`); a `sign`
 * is 32 (MD5) or 64 (HMAC-SHA256) hex digits whatever length the data gives.
 */
function xmlField(name: string, schema: SandboxSchema): SandboxSchema {
  if (name === 'sign') return { type: 'string', pattern: '^([0-9A-F]{32}|[0-9A-F]{64})$' };
  if (schema.type === 'boolean') return { type: 'string', enum: ['true', 'false', 'TRUE', 'FALSE'] };
  return schema;
}

/** The schema of an APIv2 message: its top-level fields read as XML text. */
export function xmlSchema(schema: SandboxSchema): SandboxSchema {
  if (!schema.properties) return schema;
  return { ...schema, properties: Object.fromEntries(Object.entries(schema.properties).map(([name, prop]) => [name, xmlField(name, prop)])) };
}

/** The model's schema reduced to what validation reads. */
export function sandboxSchema(schema: Schema): SandboxSchema {
  const out: SandboxSchema = {};
  const type = schema.type === 'file' ? undefined : schema.type;
  if (type) out.type = type;
  if (schema.properties) {
    out.properties = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      // APIv2 repeated fields (`coupon_id_$n`) are sent numbered (`coupon_id_0`...): not a property name.
      if (!name.includes('$')) out.properties[name] = sandboxSchema(prop);
    }
    const required = (schema.required ?? []).filter((name) => !name.includes('$'));
    if (required.length) out.required = required;
  }
  if (schema.items) out.items = sandboxSchema(schema.items);
  if (schema.oneOf?.length) out.oneOf = schema.oneOf.map(sandboxSchema);
  const values = enumOf(schema);
  if (values) out.enum = values;
  if (schema.nullable && type) out.nullable = true;
  if (schema.format && CHECKED_FORMATS.has(schema.format) && type === 'string') out.format = schema.format;
  const pattern = schema.pattern === undefined ? undefined : patternOf(schema.pattern);
  if (pattern !== undefined && type === 'string') out.pattern = pattern;
  for (const key of ['maxLength', 'minLength', 'minimum', 'maximum', 'maxItems', 'minItems'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  // `minLength: 128` without a maxLength is the data's misspelled maxLength (an id of at least 128
  // characters is no id): read as the limit it means, so that real ids are not refused.
  if (out.minLength !== undefined && out.minLength >= MISREAD_MIN_LENGTH && out.maxLength === undefined) {
    out.maxLength = out.minLength;
    delete out.minLength;
  }
  return out;
}

/** A minLength this large (and no maxLength) is read as a maxLength. */
const MISREAD_MIN_LENGTH = 64;

// ---------------------------------------------------------------------------------------------------
// Example values: the documented ones, else made up from the type (and noted, for required request fields).

interface SampleContext {
  xml: boolean;
  /** Where the value goes, for the list of required fields without an example (`json.amount.total`). */
  path: string;
  /** Collects the required fields that had no documented example; undefined: do not track. */
  missing?: string[];
  omit?: ReadonlySet<string>;
  /** Answers: a documented value its own format refuses is replaced by one that fits (requests keep the documented one). */
  repair?: boolean;
}

function hasExample(schema: Schema | undefined): boolean {
  if (!schema) return false;
  if (schema.example !== undefined) return true;
  if (schema.items && hasExample(schema.items)) return true;
  if (schema.oneOf?.some(hasExample)) return true;
  if (schema['x-json'] && hasExample(schema['x-json'])) return true;
  return Object.values(schema.properties ?? {}).some(hasExample);
}

/** A value for a scalar without an example: its default, its first enum value, else one that fits its type, format and limits. */
function madeUp(schema: Schema, name: string, ctx: SampleContext): Json {
  if (schema.default !== undefined) return coerce(schema.default, schema, ctx.xml);
  const values = enumOf(schema);
  if (values?.length) return ctx.xml ? String(values[0]) : values[0]!;
  ctx.missing?.push(ctx.path);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const low = Math.max(schema.minimum ?? 1, 1);
      const value = schema.maximum !== undefined && low > schema.maximum ? schema.maximum : low;
      return ctx.xml ? String(value) : value;
    }
    case 'boolean':
      return ctx.xml ? 'false' : false;
    default: {
      if (schema.format && FORMAT_SAMPLES[schema.format]) return FORMAT_SAMPLES[schema.format]!;
      const pattern = schema.pattern === undefined ? undefined : patternOf(schema.pattern);
      if (pattern) {
        const fit = ['20250101', '123456', '1', 'sandbox'].find((c) => new RegExp(`^(?:${pattern})$`, 'u').test(c));
        if (fit) return fit;
      }
      const { maxLength, minLength } = sandboxSchema(schema);
      const text = `sandbox-${name}`.slice(0, Math.max(maxLength ?? 64, 1));
      return text.length >= (minLength ?? 0) ? text : text.padEnd(minLength!, '0');
    }
  }
}

/** A documented (or made-up) value for `schema`; optional fields only when they carry a documented example. */
export function sample(schema: Schema, name: string, ctx: SampleContext): Json {
  if (schema.oneOf?.length) return sample(schema.oneOf[0]!, name, ctx);
  const type = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
  if (schema['x-json']) {
    if (schema.example !== undefined) return typeof schema.example === 'string' ? schema.example : JSON.stringify(schema.example);
    return JSON.stringify(sample(schema['x-json'], name, { ...ctx, xml: false }));
  }
  if (type === 'object' && schema.properties) {
    if (schema.example !== undefined && typeof schema.example === 'object' && schema.example !== null && !Array.isArray(schema.example)) return schema.example;
    const required = new Set(schema.required ?? []);
    const out: Record<string, Json> = {};
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (key.includes('$') || ctx.omit?.has(key)) continue;
      if (!required.has(key) && !hasExample(prop)) continue;
      out[key] = sample(prop, key, { ...ctx, path: `${ctx.path}.${key}`, omit: undefined });
    }
    return out;
  }
  if (type === 'array') {
    if (Array.isArray(schema.example)) return schema.example.map((v) => (schema.items ? coerce(v, schema.items, ctx.xml) : v));
    return schema.items ? [sample(schema.items, name, { ...ctx, path: `${ctx.path}[0]` })] : [];
  }
  if (type === 'object') return schema.example !== undefined && typeof schema.example === 'object' ? schema.example : {};
  if (schema.example !== undefined) {
    const value = coerce(schema.example, schema, ctx.xml);
    if (!ctx.repair || fits(value, schema)) return value;
  }
  return madeUp(schema, name, ctx);
}

/** Whether a documented scalar obeys its own schema (type, format, length, pattern); APIv2 numbers arrive as text. */
function fits(value: Json, schema: Schema): boolean {
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(value);
    return value !== '' && Number.isFinite(n) && (schema.type === 'number' || Number.isInteger(n));
  }
  if (typeof value !== 'string') return true;
  const format = schema.format === undefined ? undefined : FORMATS[schema.format];
  const pattern = schema.pattern === undefined ? undefined : patternOf(schema.pattern);
  return (!format || format.test(value))
    && (schema.maxLength === undefined || [...value].length <= schema.maxLength)
    && (schema.minLength === undefined || [...value].length >= schema.minLength)
    && (!pattern || new RegExp(pattern, 'u').test(value));
}

/** Headers the SDK sets itself, or that name a key the example cannot hold. */
const SDK_HEADERS = new Set(['wechatpay-serial']);

/** How the file's digest is written in the meta (lib/sandbox/behaviours/media.ts checks the same fields). */
function digestOf(meta: Schema | undefined, v2: boolean): NonNullable<ExampleRequest['multipart']>['digest'] {
  if (v2) return { field: 'media_hash', algorithm: 'md5' };
  const props = meta?.properties ?? {};
  if (props.sha256) return { field: 'sha256', algorithm: 'sha256' };
  if (props.file_digest) return { field: 'file_digest', algorithm: 'sha256', upper: true };
  if (props.digest) {
    const named = String(props.digest_alogrithm?.example ?? props.digest_algorithm?.example ?? 'SHA256');
    return { field: 'digest', algorithm: /SM3/i.test(named) ? 'sm3' : 'sha256' };
  }
  return undefined;
}

export function exampleRequest(endpoint: Endpoint, missing: string[]): ExampleRequest {
  const v2 = endpoint.area === 'v2';
  const request: ExampleRequest = {};
  const track = (path: string): SampleContext => ({ xml: false, path, missing });
  if (endpoint.parameters.path.length) {
    request.vars = {};
    for (const p of endpoint.parameters.path) {
      const value = sample(p.schema, p.name, track(p.name));
      request.vars[p.name] = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
    }
  }
  const query: Record<string, Json> = {};
  for (const p of endpoint.parameters.query) {
    if (v2 && V2_SDK_FIELDS.has(p.name)) continue;
    if (p.required || hasExample(p.schema)) query[p.name] = sample(p.schema, p.name, { ...track(`query.${p.name}`), xml: v2, ...(p.required ? {} : { missing: undefined }) });
  }
  // APIv2 GET endpoints: the client signs the `xml` fields and sends them as the query.
  if (Object.keys(query).length) {
    if (v2 && endpoint.method === 'get') request.xml = query;
    else request.query = query;
  }
  if (endpoint.body) {
    const value = sample(endpoint.body.schema, 'body', { xml: v2, path: v2 ? 'xml' : 'json', missing, ...(v2 ? { omit: V2_SDK_FIELDS } : {}) });
    if (v2) request.xml = { ...(value as Record<string, Json>) };
    else request.json = value;
  }
  if (endpoint.multipart) {
    const form = endpoint.parameters.formData;
    const metaParam = form.find((p) => p.name === 'meta');
    const metaSchema = metaParam?.schema['x-json'];
    const file = form.find((p) => p.schema.type === 'file');
    const fields: Record<string, Json> = {};
    for (const p of form) {
      if (p === metaParam || p === file || (v2 && V2_SDK_FIELDS.has(p.name))) continue;
      if (p.required || hasExample(p.schema)) fields[p.name] = sample(p.schema, p.name, { ...track(`multipart.${p.name}`), xml: v2 });
    }
    const meta = metaSchema ? sample(metaSchema, 'meta', { xml: false, path: 'meta', missing }) : {};
    const digest = digestOf(metaSchema, v2);
    request.multipart = {
      meta: meta as Record<string, Json>,
      file: file?.name ?? 'file',
      ...(Object.keys(fields).length ? { fields } : {}),
      ...(digest ? { digest } : {}),
    };
    // The digest and the file name are the file's own: a documented one would not match any file.
    const own = new Set(['meta.filename', 'meta.file_name', ...(digest ? [`meta.${digest.field}`, `multipart.${digest.field}`] : [])]);
    missing.splice(0, missing.length, ...missing.filter((m) => !own.has(m)));
  }
  const headers: Record<string, string> = {};
  for (const h of endpoint.parameters.header) {
    if (SDK_HEADERS.has(h.name.toLowerCase())) continue;
    if (h.required) headers[h.name] = String(sample(h.schema, h.name, track(`headers.${h.name}`)));
  }
  if (Object.keys(headers).length) request.headers = headers;
  return request;
}

/** The JSON pointers of the encrypted fields of a body (`x-is-sensitive`, or `format: base64` as the docs read it). */
export function sensitivePointers(schema: Schema | undefined, at = ''): string[] {
  if (!schema) return [];
  if (schema['x-is-sensitive'] || (schema.format === 'base64' && schema.type === 'string')) return [at];
  const out: string[] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) out.push(...sensitivePointers(prop, `${at}/${name}`));
  if (schema.items) out.push(...sensitivePointers(schema.items, `${at}/*`));
  return out;
}

function sandboxEndpoint(endpoint: Endpoint): SandboxEndpoint {
  const v2 = endpoint.area === 'v2';
  const param = (p: Endpoint['parameters']['path'][number]): SandboxParam => {
    const schema = sandboxSchema(p.schema);
    return { name: p.name, ...(p.required ? { required: true } : {}), schema: v2 ? xmlField(p.name, schema) : schema };
  };
  const missing: string[] = [];
  const request = exampleRequest(endpoint, missing);
  const { response } = endpoint;
  const answer = response.schema && (response.kind === 'json' || response.kind === 'xml')
    ? sample(response.schema, 'answer', { xml: response.kind === 'xml', path: 'answer', repair: true })
    : undefined;
  const form = endpoint.parameters.formData.filter((p) => p.name !== 'meta')
    .map((p): SandboxFormPart => ({ ...param(p), ...(p.schema.type === 'file' ? { file: true } : {}) }));
  const meta = endpoint.parameters.formData.find((p) => p.name === 'meta')?.schema['x-json'];
  const sensitive = sensitivePointers(endpoint.body?.schema);
  return {
    method: endpoint.method,
    template: endpoint.template,
    area: endpoint.area,
    ...(endpoint.parameters.path.length ? { path: endpoint.parameters.path.map(param) } : {}),
    ...(endpoint.parameters.query.length ? { query: endpoint.parameters.query.map(param) } : {}),
    ...(endpoint.parameters.header.length ? { header: endpoint.parameters.header.map((h) => ({ name: h.name, ...(h.required ? { required: true } : {}) })) } : {}),
    ...(form.length ? { form } : {}),
    ...(meta ? { meta: sandboxSchema(meta) } : {}),
    ...(endpoint.body ? { body: { required: endpoint.body.required, schema: v2 ? xmlSchema(sandboxSchema(endpoint.body.schema)) : sandboxSchema(endpoint.body.schema) } } : {}),
    ...(sensitive.length ? { sensitive } : {}),
    response: { status: response.status, kind: response.kind },
    ...(v2 && !response.schema?.properties?.sign ? { unsigned: true } : {}),
    ...(endpoint.certRequired ? { certRequired: true } : {}),
    example: {
      request,
      ...(answer !== undefined ? { answer } : {}),
      ...(missing.length ? { missing: [...new Set(missing)] } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Shared definitions: a schema of an object or array that occurs more than once (and is not tiny) is written once.

const POOL_MIN_CHARS = 120;

function pooled(endpoints: SandboxEndpoint[]): { definitions: Record<string, SandboxSchema>; endpoints: SandboxEndpoint[] } {
  const counts = new Map<string, number>();
  const count = (schema: SandboxSchema | undefined): void => {
    if (!schema) return;
    for (const prop of Object.values(schema.properties ?? {})) count(prop);
    count(schema.items);
    schema.oneOf?.forEach(count);
    if (schema.properties || schema.items) {
      const key = JSON.stringify(schema);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  const schemasOf = (e: SandboxEndpoint): Array<SandboxSchema | undefined> =>
    [e.body?.schema, e.meta, ...(e.path ?? []).map((p) => p.schema), ...(e.query ?? []).map((p) => p.schema), ...(e.form ?? []).map((p) => p.schema)];
  for (const e of endpoints) schemasOf(e).forEach(count);

  const definitions: Record<string, SandboxSchema> = {};
  const ids = new Map<string, string>();
  const replace = (schema: SandboxSchema): SandboxSchema => {
    const key = JSON.stringify(schema);
    const out: SandboxSchema = { ...schema };
    if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([n, p]) => [n, replace(p)]));
    if (schema.items) out.items = replace(schema.items);
    if (schema.oneOf) out.oneOf = schema.oneOf.map(replace);
    if ((schema.properties || schema.items) && (counts.get(key) ?? 0) > 1 && key.length >= POOL_MIN_CHARS) {
      let id = ids.get(key);
      if (id === undefined) {
        id = String(ids.size);
        ids.set(key, id);
        definitions[id] = out;
      }
      return { $ref: `${DEFINITIONS_ID}#/definitions/${id}` };
    }
    return out;
  };
  const rewritten = endpoints.map((e) => ({
    ...e,
    ...(e.path ? { path: e.path.map((p) => ({ ...p, schema: replace(p.schema) })) } : {}),
    ...(e.query ? { query: e.query.map((p) => ({ ...p, schema: replace(p.schema) })) } : {}),
    ...(e.form ? { form: e.form.map((p) => ({ ...p, schema: replace(p.schema) })) } : {}),
    ...(e.meta ? { meta: replace(e.meta) } : {}),
    ...(e.body ? { body: { ...e.body, schema: replace(e.body.schema) } } : {}),
  }));
  return { definitions, endpoints: rewritten };
}

/** The sandbox's data file: deterministic, one definition and one endpoint a line. */
export function emitSandbox(model: Model, headerLines: readonly string[]): string {
  const routes = new Set<string>();
  for (const e of model.endpoints) {
    const path = e.path.replace(/\{[^}]+\}/g, '{}');
    if (e.area === 'v2' && /^\/(v3|hk|global|__sandbox)\//.test(path)) throw new Error(`${e.template}: an APIv2 path that looks like an APIv3 one`);
    routes.add(`${e.method} ${path}`);
  }
  const { definitions, endpoints } = pooled(model.endpoints.map(sandboxEndpoint));
  const lines = [
    '{',
    `"generated": ${JSON.stringify(headerLines)},`,
    '"definitions": {',
    Object.entries(definitions).map(([id, schema]) => `${JSON.stringify(id)}: ${JSON.stringify(schema)}`).join(',\n'),
    '},',
    '"endpoints": [',
    endpoints.map((e) => JSON.stringify(e)).join(',\n'),
    ']',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
