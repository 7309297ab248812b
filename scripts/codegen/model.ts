/**
 * The resolved model of the API description: endpoints with JSON Schema-like request and response
 * schemas (no `$ref`, no `allOf`, fix-ups applied). It knows nothing of TypeScript, so other generators
 * (the sandbox's request validation and example answers) can reuse it.
 */
import { isObject, type Json, type JsonObject, type Source } from './load.js';
import { Resolver } from './resolve.js';
import { applyFixUps, type FixUpReport, type RuleHit } from './fixups.js';

export type Area = 'v3' | 'v2' | 'hk' | 'global';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const METHODS: readonly Method[] = ['get', 'post', 'put', 'patch', 'delete'];
export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'file';
const SCHEMA_TYPES: readonly string[] = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'file'];

/** A JSON Schema (draft-07 keywords) plus the Swagger/OpenAPI annotations the data uses (`nullable`, `x-*`). */
export interface Schema {
  type?: SchemaType;
  title?: string;
  description?: string;
  format?: string;
  example?: Json;
  default?: Json;
  enum?: Array<string | number | boolean>;
  nullable?: boolean;
  deprecated?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  /** An encrypted field (RSA-OAEP with the platform key). */
  'x-is-sensitive'?: boolean;
  /** The field is a string holding JSON of this shape. */
  'x-json'?: Schema;
  /** APIv2 XML: element name (`xml`), CDATA. */
  xml?: { name?: string; 'x-cdata'?: boolean };
  'x-cdata'?: boolean;
  'x-key'?: Json;
  'x-urlencode'?: boolean;
  'x-prop-one-of'?: boolean;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'formData';
  required: boolean;
  description?: string;
  schema: Schema;
}

export type ResponseKind = 'json' | 'xml' | 'empty' | 'binary' | 'text';

export interface SuccessResponse {
  status: number;
  kind: ResponseKind;
  /** The parsed body's schema (json and xml kinds; for APIv2 downloads, the XML failure). */
  schema?: Schema;
  headers?: Record<string, Schema>;
}

export interface Endpoint {
  /** The client's URI template: `v3/...` (`.../` for `{empty}`), `v2/pay/micropay`, `hk/v3/...`, `global/v3/...`. */
  template: string;
  /** The path as the data writes it (`/v3/...`, `/pay/micropay` for APIv2). */
  path: string;
  method: Method;
  area: Area;
  /** Data file, relative to the data root. */
  file: string;
  summary: string;
  description?: string;
  /** The official documentation page, when the description links one. */
  docUrl?: string;
  tags: string[];
  roles: string[];
  deprecated: boolean;
  consumes: string[];
  produces: string[];
  parameters: { path: Parameter[]; query: Parameter[]; header: Parameter[]; formData: Parameter[] };
  body?: { required: boolean; schema: Schema };
  response: SuccessResponse;
  /** APIv2: mutual TLS with the merchant certificate (`x-api-cert-required`). */
  certRequired: boolean;
  /** Another host (`x-base-uri` / `x-baseuri`). */
  baseUri?: string;
  /** Endpoint is upload (multipart/form-data). */
  multipart: boolean;
}

export interface Model {
  endpoints: Endpoint[];
  /** Endpoints described by the data but not callable (see the fix-up report). */
  excluded: Array<{ method: string; path: string; file: string; why: string }>;
  /** Business tags in the index's order. */
  tags: string[];
  report: FixUpReport;
  resolveStats: Resolver['stats'];
}

/** Endpoint file -> (area, data path, client template). */
export function locate(file: string): { area: Area; path: string; template: string } {
  const bare = file.replace(/\.yaml$/, '').replace(/\{empty\}$/, '');
  if (bare.startsWith('v2/')) return { area: 'v2', path: `/${bare.slice(3)}`, template: bare };
  if (bare.startsWith('hk/')) return { area: 'hk', path: `/${bare}`, template: bare };
  if (bare.startsWith('global/')) return { area: 'global', path: `/${bare}`, template: bare };
  if (bare.startsWith('v3/')) return { area: 'v3', path: `/${bare}`, template: bare };
  throw new Error(`${file}: not under v3/, v2/, hk/ or global/`);
}

/** The path variables of a template, in order (`{empty}` is not one: it is written as a trailing slash). */
export const templateVariables = (template: string): string[] =>
  [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

const MARKDOWN_LINK = /\[([^\]]*)\]\((https?:\/\/[^)\s]+)\)/g;
/** The official documentation link in a description: `[官方文档](...)` first, else the last pay.weixin.qq.com page linked. */
export function docUrlOf(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const links = [...description.matchAll(MARKDOWN_LINK)].map((m) => ({ text: m[1]!, url: m[2]! }));
  const official = links.filter((l) => l.text.includes('官方文档'));
  const onSite = links.filter((l) => /^https:\/\/pay\.weixin\.qq\.com\/(doc|docs|wiki)\//.test(l.url));
  return (official.at(-1) ?? onSite.at(-1))?.url;
}

interface Context {
  where: string;
  hits: RuleHit[];
  /** Data errors no fix-up covers: the generator stops and lists them all. */
  errors: string[];
}

const str = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: Json | undefined): number | undefined => (typeof value === 'number' ? value : undefined);

/** Raw resolved node -> Schema. Unknown keys are an error (they mean the data's structure was misread). */
export function toSchema(node: Json | undefined, ctx: Context): Schema {
  if (!isObject(node)) return {};
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    const at = `${ctx.where}/${key}`;
    switch (key) {
      case 'type':
        if (typeof value !== 'string' || !SCHEMA_TYPES.includes(value)) ctx.errors.push(`${at}: invalid type ${JSON.stringify(value)}`);
        else out.type = value as SchemaType;
        break;
      case 'properties': {
        if (!isObject(value)) {
          ctx.errors.push(`${at}: properties is not a mapping`);
          break;
        }
        out.properties = {};
        for (const [name, prop] of Object.entries(value)) {
          // Names are identifiers; APIv2 numbers repeated fields `coupon_id_$n` (`coupon_id_0`...), `..._$n_$m`.
          if (!/^[A-Za-z_][A-Za-z0-9_]*(\$n(_\$m)?)?$/.test(name)) ctx.errors.push(`${at}: property name ${JSON.stringify(name)}`);
          out.properties[name] = toSchema(prop, { ...ctx, where: `${at}/${name}` });
        }
        break;
      }
      case 'items':
        out.items = toSchema(value, { ...ctx, where: at });
        break;
      case 'oneOf':
        if (!Array.isArray(value)) throw new Error(`${at}: oneOf is not a list`);
        out.oneOf = value.map((v, i) => toSchema(v, { ...ctx, where: `${at}/${i}` }));
        break;
      case 'x-json':
        out['x-json'] = toSchema(value, { ...ctx, where: at });
        break;
      case 'required':
        if (!Array.isArray(value)) ctx.errors.push(`${at}: required is not a list (${JSON.stringify(value)})`);
        else out.required = value.map(String);
        break;
      case 'enum':
        if (!Array.isArray(value)) throw new Error(`${at}: enum is not a list`);
        out.enum = value.map((v) => (typeof v === 'number' || typeof v === 'boolean' ? v : String(v)));
        break;
      case 'xml':
        if (isObject(value)) out.xml = { ...(str(value.name) ? { name: str(value.name) } : {}), ...(value['x-cdata'] === true ? { 'x-cdata': true } : {}) };
        break;
      case 'title':
      case 'description':
      case 'format':
      case 'pattern':
        if (typeof value === 'string') out[key] = value;
        else if (value !== null) out[key] = String(value);
        break;
      case 'maxLength':
      case 'minLength':
      case 'minimum':
      case 'maximum':
      case 'maxItems':
      case 'minItems':
        if (num(value) !== undefined) out[key] = num(value);
        break;
      case 'nullable':
      case 'deprecated':
      case 'x-is-sensitive':
      case 'x-cdata':
      case 'x-urlencode':
      case 'x-prop-one-of':
        if (value === true) out[key] = true;
        break;
      case 'example':
      case 'default':
      case 'x-key':
        out[key] = value;
        break;
      default:
        ctx.errors.push(`${at}: unknown schema keyword`);
    }
  }
  if (out.type === 'array' && !out.items) ctx.errors.push(`${ctx.where}: array without items`);
  normaliseRequired(out, ctx);
  return out;
}

/** Generic rule: a `required` name with no such property is dropped (it cannot be typed or sent). */
function normaliseRequired(schema: Schema, ctx: Context): void {
  if (!schema.required) return;
  const known = schema.properties ?? {};
  const missing = schema.required.filter((name) => !(name in known));
  if (missing.length === 0) return;
  ctx.hits.push({ rule: 'required-not-in-properties', where: ctx.where, detail: missing.join(', ') });
  schema.required = schema.required.filter((name) => name in known);
  if (schema.required.length === 0) delete schema.required;
}

function parameterOf(raw: JsonObject, ctx: Context): Parameter {
  const where = ctx.where;
  const name = str(raw.name);
  const location = str(raw.in);
  if (!name || !location) throw new Error(`${where}: parameter without name or in`);
  if (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'formData') throw new Error(`${where}: parameter in ${location}`);
  // A parameter is itself a schema (type, format, enum...), with `schema` for a JSON meta part.
  const { name: _n, in: _in, required, schema, ...rest } = raw;
  const own = toSchema(rest, ctx);
  const nested = isObject(schema) ? toSchema(schema, { ...ctx, where: `${where}/schema` }) : undefined;
  const merged: Schema = nested ? { ...nested, ...own, ...(own.type === 'string' && nested.type === 'object' ? { 'x-json': nested, type: 'string' } : {}) } : own;
  if (nested && own.type === 'string' && nested.type === 'object') {
    delete merged.properties;
    delete merged.required;
  }
  return { name, in: location, required: required === true, ...(own.description ? { description: own.description } : {}), schema: merged };
}

function successResponse(op: JsonObject, method: Method, area: Area, produces: string[], ctx: Context): SuccessResponse {
  const responses = isObject(op.responses) ? op.responses : {};
  const statuses = Object.keys(responses).map(Number).filter((s) => s >= 200 && s < 300).sort((a, b) => a - b);
  const status = statuses[0];
  if (status === undefined) {
    // Only a redirect (an HTML entry page, e.g. APIv2 papay/entrustweb): nothing to parse.
    return { status: Object.keys(responses).map(Number).sort()[0] ?? 200, kind: 'empty' };
  }
  const raw = responses[String(status)];
  const body = isObject(raw) ? raw : {};
  ctx = { ...ctx, where: `${ctx.where}/${status}` };
  const headers: Record<string, Schema> = {};
  if (isObject(body.headers)) for (const [h, s] of Object.entries(body.headers)) headers[h] = toSchema(s, { ...ctx, where: `${ctx.where}/headers/${h}` });
  const base = { status, ...(Object.keys(headers).length ? { headers } : {}) };
  const schema = isObject(body.schema) && Object.keys(body.schema).length > 0 ? toSchema(body.schema, { ...ctx, where: `${ctx.where}/schema` }) : undefined;
  if (status === 204) return { ...base, kind: 'empty' };
  if (produces.some((p) => p === 'application/pdf' || p === 'application/x-gzip' || p.startsWith('image/'))) return { ...base, kind: 'binary' };
  if (produces.includes('text/plain') || produces.includes('text/csv')) return { ...base, kind: 'text' };
  // No body described: a GET downloads a file, anything else answers with an empty body (e.g. 202).
  if (!schema) return { ...base, kind: area === 'v2' || method !== 'get' ? (area === 'v2' ? 'text' : 'empty') : 'binary' };
  // APIv2 downloads (downloadbill, downloadfundflow) describe only their XML failure (`return_code: FAIL`, or
  // `result_code: FAIL`): success is the file.
  const failureOnly = (field: Schema | undefined) => field?.enum !== undefined && !field.enum.includes('SUCCESS');
  if (area === 'v2' && (failureOnly(schema.properties?.return_code) || failureOnly(schema.properties?.result_code))) {
    return { ...base, kind: 'text', schema };
  }
  return { ...base, kind: area === 'v2' ? 'xml' : 'json', schema };
}

const stringList = (value: Json | undefined): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []);

export function buildModel(source: Source): Model {
  const report = applyFixUps(source);
  const resolver = new Resolver(source);
  const endpoints: Endpoint[] = [];
  const excluded: Model['excluded'] = [];
  const errors: string[] = [];
  const tags = (Array.isArray(source.index.tags) ? source.index.tags : []).filter(isObject).map((t) => String(t.name));
  for (const [file, doc] of source.files) {
    if (file.startsWith('definitions/')) continue;
    const { area, path, template } = locate(file);
    for (const [method, rawOp] of Object.entries(doc)) {
      const exclusion = report.excluded.find((e) => e.file === file && e.method === method);
      if (exclusion) {
        if ((METHODS as readonly string[]).includes(method)) excluded.push({ method, path, file, why: exclusion.why });
        continue;
      }
      if (!(METHODS as readonly string[]).includes(method) || !isObject(rawOp)) {
        errors.push(`${file}#/${method}: top-level key is not an HTTP method`);
        continue;
      }
      const op = resolver.resolve(rawOp, file) as JsonObject;
      const ctx: Context = { where: `${file}#/${method}`, hits: report.hits, errors };
      const parameters: Endpoint['parameters'] = { path: [], query: [], header: [], formData: [] };
      let body: Endpoint['body'];
      (Array.isArray(op.parameters) ? op.parameters : []).forEach((raw, i) => {
        if (!isObject(raw)) throw new Error(`${ctx.where}/parameters/${i}: not a mapping`);
        const pctx = { ...ctx, where: `${ctx.where}/parameters/${i}` };
        if (raw.in === 'body') {
          body = { required: raw.required === true, schema: toSchema(raw.schema, { ...pctx, where: `${pctx.where}/schema` }) };
          return;
        }
        const param = parameterOf(raw, pctx);
        parameters[param.in].push(param);
      });
      const vars = templateVariables(template);
      const declared = parameters.path.map((p) => p.name);
      if (vars.join() !== [...declared].sort((a, b) => vars.indexOf(a) - vars.indexOf(b)).join() || vars.length !== declared.length) {
        errors.push(`${ctx.where}: path variables {${vars.join('},{')}} but path parameters ${declared.join(',') || '(none)'}`);
      }
      for (const p of parameters.path) if (!p.required) errors.push(`${ctx.where}: path parameter ${p.name} is not required`);
      const consumes = stringList(op.consumes);
      const produces = stringList(op.produces);
      const description = str(op.description);
      const docUrl = docUrlOf(description);
      const baseUri = str(op['x-base-uri']) ?? str(op['x-baseuri']);
      endpoints.push({
        template,
        path,
        method: method as Method,
        area,
        file,
        summary: str(op.summary) ?? '',
        ...(description ? { description } : {}),
        ...(docUrl ? { docUrl } : {}),
        tags: stringList(op.tags),
        roles: stringList(op['x-role']),
        deprecated: op.deprecated === true,
        consumes,
        produces,
        parameters,
        ...(body ? { body } : {}),
        response: successResponse(op, method as Method, area, produces, { ...ctx, where: `${ctx.where}/responses` }),
        certRequired: op['x-api-cert-required'] === true,
        ...(baseUri ? { baseUri } : {}),
        multipart: consumes.includes('multipart/form-data'),
      });
    }
  }
  if (errors.length > 0) {
    throw new Error(`${errors.length} data error(s) without a fix-up:\n  ${errors.join('\n  ')}`);
  }
  endpoints.sort((a, b) => (a.template < b.template ? -1 : a.template > b.template ? 1 : METHODS.indexOf(a.method) - METHODS.indexOf(b.method)));
  return { endpoints, excluded, tags, report, resolveStats: resolver.stats };
}
