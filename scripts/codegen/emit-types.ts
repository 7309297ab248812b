/**
 * TypeScript declarations of every endpoint: one interface per chain node (its children and its documented
 * verbs), per-operation options and response data, the `Paths` map and the root `Tree`.
 * Types only: the emitted modules compile to nothing.
 */
import type { Endpoint, Method, Schema } from './model.js';
import { docComment, pascalSegment, propertyKey, shortLabel } from './naming.js';
import { dynamicChild, isVariable, propertiesOf, walk, type TreeNode } from './tree.js';

export interface EmittedFile {
  /** Relative to the output folder. */
  path: string;
  content: string;
}

type Side = 'request' | 'response';
interface Mode {
  side: Side;
  /** APIv2: values travel as XML text. */
  xml: boolean;
}

const VERB_NAME: Record<Method, string> = { get: 'Get', post: 'Post', put: 'Put', patch: 'Patch', delete: 'Delete' };

/** What an encrypted field's doc comment says. */
function encryptedNote(schema: Schema, side: Side): string | undefined {
  if (!schema['x-is-sensitive'] && schema.format !== 'base64') return undefined;
  return side === 'request'
    ? 'Encrypted: pass `client.encrypt(plaintext)` (RSA-OAEP, platform public key).'
    : 'Encrypted: `client.decrypt(value)` (RSA-OAEP, merchant private key).';
}

function fieldDoc(schema: Schema, side: Side): string[] {
  const lines: Array<string | undefined> = [shortLabel(schema.description) ?? shortLabel(schema.title)];
  if (schema['x-json']) lines.push('A JSON string.');
  lines.push(encryptedNote(schema, side));
  if (schema.deprecated) lines.push('@deprecated');
  return lines.filter((l): l is string => !!l);
}

const literal = (value: string | number | boolean): string => (typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(value));

/** Whether a type expression has a `|` or `&` outside any brackets (so `T[]` would bind wrongly). */
export function isTopLevelUnion(type: string): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < type.length; i++) {
    const c = type[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '`') quote = c;
    else if ('{[(<'.includes(c)) depth++;
    else if ('}])>'.includes(c)) depth--;
    else if ((c === '|' || c === '&') && depth === 0) return true;
  }
  return false;
}

/** The TypeScript type of a schema. */
export function tsType(schema: Schema, mode: Mode, indent: string): string {
  if (schema.oneOf?.length) {
    const members = [...new Set(schema.oneOf.map((s) => tsType(s, mode, indent)))];
    return members.join(' | ');
  }
  if (schema['x-json']) return 'string';
  const type = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
  if (schema.enum?.length && type !== 'object' && type !== 'array') {
    // Enum values follow the declared type (the data writes `enum: [1, 2]` for some string fields).
    const values: Array<string | number | boolean> = (mode.xml && mode.side === 'response') || type === 'string' ? schema.enum.map(String)
      : type === 'integer' || type === 'number' ? schema.enum.map((v) => (Number.isFinite(Number(v)) ? Number(v) : v)) : schema.enum;
    // APIv2 payloads travel as XML text: a numeric enum value may be written either way.
    const both = mode.xml && mode.side === 'request' ? values.flatMap((v): Array<string | number | boolean> => (typeof v === 'number' ? [v, String(v)] : [v])) : values;
    return [...new Set(both.map(literal))].join(' | ');
  }
  switch (type) {
    case 'string':
    case 'file':
      return 'string';
    case 'integer':
    case 'number':
      return mode.xml ? (mode.side === 'response' ? 'string' : 'number | string') : 'number';
    case 'boolean':
      return mode.xml ? (mode.side === 'response' ? 'string' : 'boolean | string') : 'boolean';
    case 'array': {
      const item = schema.items ? tsType(schema.items, mode, indent) : 'unknown';
      return isTopLevelUnion(item) ? `Array<${item}>` : `${item}[]`;
    }
    case 'object':
      return schema.properties && Object.keys(schema.properties).length > 0 ? objectType(schema, mode, indent) : 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

/** `{ ...fields }`, required as documented; `name_$n` fields as template-literal index signatures. */
export function objectType(schema: Schema, mode: Mode, indent: string, optionalNames: ReadonlySet<string> = new Set()): string {
  const inner = `${indent}  `;
  const required = new Set(schema.required ?? []);
  let out = '{\n';
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    out += docComment(fieldDoc(prop, mode.side), inner);
    const type = tsType(prop, mode, inner);
    if (name.includes('$')) {
      const pattern = name.replace(/\$[nm]/g, '${number}');
      out += `${inner}[key: \`${pattern}\`]: ${type};\n`;
    } else {
      const optional = !required.has(name) || optionalNames.has(name);
      out += `${inner}${propertyKey(name)}${optional ? '?' : ''}: ${type};\n`;
    }
  }
  return `${out}${indent}}`;
}

const hasRequired = (schema: Schema | undefined): boolean => (schema?.required?.length ?? 0) > 0;

/** APIv2 fields the SDK fills in itself: optional in the options, whatever the data says. */
export const V2_SDK_FIELDS: ReadonlySet<string> = new Set(['nonce_str', 'sign']);
/** What the SDK computes for an APIv2 upload: the file's MD5. */
const V2_UPLOAD_FIELDS: ReadonlySet<string> = new Set(['media_hash']);

/**
 * The data marks `Wechatpay-Serial` required wherever an encrypted field may be sent (its shared definition
 * says "for requests with sensitive data"). The SDK sends it itself when the body carries a value from
 * `client.encrypt()` (lib/v3/signer.ts), so it is typed optional: documented, never forced.
 */
export function headerRequired(_endpoint: Endpoint, name: string, documented: boolean): boolean {
  return documented && name.toLowerCase() !== 'wechatpay-serial';
}

interface OperationNames {
  options: string;
  data: string;
}

export class TypeEmitter {
  private readonly names = new Map<TreeNode, string>();
  private readonly used = new Set<string>();
  private readonly opNames = new Map<Endpoint, OperationNames>();
  private readonly out: string[] = [];
  /** Bound node variants already emitted (`name` -> declared). */
  private readonly bound = new Set<string>();
  /** Nodes left out of the property tree: their chain cannot be written with properties. */
  readonly unreachable: TreeNode[] = [];

  constructor(private readonly root: TreeNode) {
    for (const node of walk(root)) {
      if (node === root) continue;
      const base = (node.parent?.segment ? this.names.get(node.parent)! : '') + pascalSegment(node.segment);
      let name = base;
      for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
      this.used.add(name);
      this.names.set(node, name);
    }
  }

  nameOf(node: TreeNode): string {
    return this.names.get(node)!;
  }

  /** The answer type of an endpoint (after `emit`). */
  dataTypeOf(endpoint: Endpoint): string | undefined {
    return this.opNames.get(endpoint)?.data;
  }

  /** The operation types (options + data) of one endpoint. */
  private emitOperation(endpoint: Endpoint, node: TreeNode): OperationNames {
    const prefix = `${this.nameOf(node)}${VERB_NAME[endpoint.method]}`;
    const names = { options: `${prefix}Options`, data: `${prefix}Data` };
    this.opNames.set(endpoint, names);
    const v2 = endpoint.area === 'v2';
    const request: Mode = { side: 'request', xml: v2 };
    const lines: string[] = [];
    for (const p of endpoint.parameters.path) {
      lines.push(docComment([`${shortLabel(p.description) ?? p.name} (path variable)`], '  ').trimEnd());
      const numeric = p.schema.type === 'integer' || p.schema.type === 'number';
      lines.push(`  ${propertyKey(p.name)}: ${p.schema.enum ? tsType(p.schema, { side: 'request', xml: false }, '  ') : numeric ? 'string | number' : 'string'};`);
    }
    if (endpoint.parameters.query.length > 0) {
      const query: Schema = { type: 'object', properties: {}, required: [] };
      for (const p of endpoint.parameters.query) {
        query.properties![p.name] = { ...p.schema, ...(p.description ? { description: p.description } : {}) };
        if (p.required && !(v2 && V2_SDK_FIELDS.has(p.name))) query.required!.push(p.name);
      }
      lines.push('  /** Query string parameters. */');
      lines.push(`  query${hasRequired(query) ? '' : '?'}: ${objectType(query, { side: 'request', xml: false }, '  ')};`);
    }
    if (endpoint.body) {
      const schema = endpoint.body.schema;
      const key = v2 ? 'xml' : 'json';
      const optionalNames = v2 ? V2_SDK_FIELDS : new Set<string>();
      const requiredLeft = (schema.required ?? []).some((n) => !optionalNames.has(n));
      const type = schema.properties && Object.keys(schema.properties).length ? objectType(schema, request, '  ', optionalNames) : tsType(schema, request, '  ');
      lines.push(v2 ? '  /** The APIv2 payload (`nonce_str` and `sign` are filled in by the SDK). */' : '  /** The JSON body. */');
      lines.push(`  ${key}${requiredLeft ? '' : '?'}: ${type};`);
    }
    if (endpoint.multipart && v2) {
      const fields: Schema = { type: 'object', properties: {}, required: [] };
      for (const p of endpoint.parameters.formData) {
        if (p.schema.type !== 'file' && !V2_SDK_FIELDS.has(p.name) && !V2_UPLOAD_FIELDS.has(p.name)) fields.properties![p.name] = { ...p.schema, description: p.description };
      }
      lines.push('  /** The file (`MediaUtil`), sent as a form part; the SDK signs its MD5 (`media_hash`) with the form fields. */');
      lines.push('  multipart: V2Media;');
      lines.push('  /** Form fields to sign besides `media_hash` (`mch_id`: the configured merchant unless given; `sign_type`: MD5 unless given). */');
      lines.push(`  xml?: ${objectType(fields, request, '  ')};`);
    } else if (endpoint.multipart) {
      const parts = endpoint.parameters.formData.map((p) => p.name).join(', ');
      lines.push(`  /** The upload (\`MediaUtil\`): multipart parts ${parts}; the signed body is the \`meta\` JSON. */`);
      lines.push('  multipart: MultipartLike;');
    }
    if (endpoint.parameters.header.length > 0) {
      const headers = endpoint.parameters.header.map((h) => ({ ...h, required: headerRequired(endpoint, h.name, h.required) }));
      const required = headers.some((h) => h.required);
      const fields = headers
        .map((h) => {
          const note = h.name.toLowerCase() === 'wechatpay-serial' ? 'Sent by the SDK when the body holds a value from `client.encrypt()`.' : undefined;
          return `${docComment([shortLabel(h.description), note], '    ')}    ${propertyKey(h.name)}${h.required ? '' : '?'}: string;\n`;
        })
        .join('');
      lines.push('  /** Request headers (the documented ones, and any other). */');
      lines.push(`  headers${required ? '' : '?'}: {\n${fields}  } & HeadersInit;`);
    }
    if (endpoint.response.kind === 'binary' || endpoint.response.kind === 'text') {
      lines.push('  /** Save the file to a path (written atomically, checked) or a Writable instead of `data` (wechatpay-php\'s `sink`). */');
      lines.push('  sink?: Sink;');
    }
    const base = v2 ? 'TypedOptionsV2' : 'TypedOptions';
    this.out.push(`${docComment([`Options of \`${endpoint.method.toUpperCase()} ${endpoint.template}\`.`], '')}export interface ${names.options} extends ${base} {${lines.length ? `\n${lines.filter(Boolean).join('\n')}\n` : ''}}\n`);
    this.out.push(this.dataDeclaration(endpoint, names.data));
    return names;
  }

  private dataDeclaration(endpoint: Endpoint, name: string): string {
    const { response } = endpoint;
    const doc = docComment([`The \`data\` of \`${endpoint.method.toUpperCase()} ${endpoint.template}\`.`], '');
    switch (response.kind) {
      case 'empty':
        return `${doc}export type ${name} = undefined;\n`;
      case 'binary':
        return `${doc}export type ${name} = Buffer;\n`;
      case 'text': {
        const gzip = endpoint.parameters.query.some((p) => p.name === 'tar_type') || Object.hasOwn(endpoint.body?.schema.properties ?? {}, 'tar_type');
        return `${doc}export type ${name} = ${gzip ? 'string | Buffer' : 'string'};\n`;
      }
      default: {
        const schema = response.schema!;
        const mode: Mode = { side: 'response', xml: response.kind === 'xml' };
        if (schema.properties && Object.keys(schema.properties).length > 0) return `${doc}export interface ${name} ${objectType(schema, mode, '')}\n`;
        return `${doc}export type ${name} = ${tsType(schema, mode, '')};\n`;
      }
    }
  }

  private opDoc(endpoint: Endpoint, indent: string): string {
    return docComment(
      [
        endpoint.summary,
        `\`${endpoint.method.toUpperCase()} ${endpoint.template}\``,
        endpoint.certRequired ? 'Needs the merchant certificate (mutual TLS).' : undefined,
        endpoint.baseUri ? `Served by ${endpoint.baseUri}` : undefined,
        endpoint.docUrl ? `@see ${endpoint.docUrl}` : undefined,
        endpoint.deprecated ? '@deprecated' : undefined,
      ],
      indent,
    );
  }

  /** The type a property (or a `Paths` entry) names for a node with `bound` variables given directly. */
  private refType(node: TreeNode, bound: readonly string[]): string {
    const name = this.variantName(node, bound);
    const dynamic = dynamicChild(node);
    if (!dynamic) return name;
    const variable = dynamic.segment.slice(1, -1);
    return `DynamicSegment<${name}, ${this.variantName(dynamic, [...bound, variable])}>`;
  }

  private variantName(node: TreeNode, bound: readonly string[]): string {
    const vars = bound.filter((v) => this.varsBelow(node).has(v));
    return vars.length === 0 ? this.nameOf(node) : `${this.nameOf(node)}$${vars.map((v) => pascalSegment(v)).join('$')}`;
  }

  /** Path variables of the node's own path (those a bound variant can leave out). */
  private varsBelow(node: TreeNode): Set<string> {
    const vars = new Set<string>();
    for (let n: TreeNode | undefined = node; n; n = n.parent) if (isVariable(n.segment)) vars.add(n.segment.slice(1, -1));
    return vars;
  }

  /** Emits the node interface for `bound` (and, recursively, its children). */
  private emitNode(node: TreeNode, bound: readonly string[]): void {
    const name = this.variantName(node, bound);
    if (this.bound.has(name)) return;
    this.bound.add(name);
    const own = bound.filter((v) => this.varsBelow(node).has(v));
    const ops = node.endpoints.map((endpoint) => {
      const names = this.opNames.get(endpoint) ?? this.emitOperation(endpoint, node);
      const options = own.length ? `Omit<${names.options}, ${own.map((v) => `'${v}'`).join(' | ')}>` : names.options;
      return { endpoint, options, data: names.data };
    });
    const members: string[] = [];
    const dynamic = dynamicChild(node);
    const children = [...node.children.values()].sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
    for (const child of children) {
      const properties = propertiesOf(child.segment);
      if (properties.length === 0) {
        if (own.length === 0) this.unreachable.push(child);
        continue;
      }
      this.emitNode(child, bound);
      if (dynamic === child) this.emitNode(child, [...bound, child.segment.slice(1, -1)]);
      const ref = this.refType(child, bound);
      for (const property of properties) {
        const verb = ops.find((op) => op.endpoint.method === property);
        // A child named like a verb of this node (`receivers/delete` beside DELETE): both at once.
        const type = verb ? `OperationCall<Operation<${verb.options}, ${verb.data}>> & ${ref}` : ref;
        members.push(`${docComment([`\`${child.key}\``], '  ')}  readonly ${propertyKey(property)}: ${type};\n`);
      }
    }
    const opsType = ops.length
      ? `EndpointVerbs<{\n${ops.map((op) => `${this.opDoc(op.endpoint, '  ')}  ${op.endpoint.method}: Operation<${op.options}, ${op.data}>;\n`).join('')}}>`
      : undefined;
    const head = `${docComment([`\`${node.key}\``, own.length ? `With ${own.map((v) => `{${v}}`).join(', ')} given in the path.` : undefined], '')}export interface ${name}`;
    this.out.push(`${head}${opsType ? ` extends ${opsType}` : ''} {\n${members.join('')}}\n`);
  }

  emit(header: string): EmittedFile[] {
    const top = [...this.root.children.values()];
    // Depth first from the root, so every bound variant is reached; then any node only `chain()` reaches.
    for (const node of top) this.emitNode(node, []);
    for (const node of walk(this.root)) if (node !== this.root) this.emitNode(node, []);
    const paths: string[] = [];
    for (const node of walk(this.root)) {
      if (node === this.root) continue;
      paths.push(`  ${propertyKey(node.key)}: ${this.refType(node, [])};\n`);
    }
    const tree = top.map((node) => `  readonly ${propertyKey(node.segment)}: ${this.refType(node, [])};\n`).join('');
    const body = this.out.join('\n');
    const baseTypes = ['DynamicSegment', 'EndpointVerbs', 'HeadersInit', 'MultipartLike', 'Operation', 'OperationCall', 'Sink', 'TypedOptions', 'TypedOptionsV2', 'V2Media']
      .filter((name) => new RegExp(`\\b${name}\\b`).test(body));
    const endpoints = `${header}${importLines(baseTypes, '../core/endpoint-types.js')}\n${body}`;
    const index =
      `${header}${importLines([...new Set(top.map((n) => this.nameOf(n)).concat(this.collectPathTypes()))].sort(), './endpoints.js')}` +
      `${importLines(['DynamicSegment'], '../core/endpoint-types.js')}\n` +
      '/** Every endpoint template and every prefix of one (`{var}` form) -> its chain node. */\n' +
      `export interface Paths {\n${paths.join('')}}\n\n` +
      '/** The root of the property chain (`client.v3...`, `client.v2...`, `client.hk...`, `client.global...`). */\n' +
      `export interface Tree {\n${tree}}\n`;
    return [
      { path: 'endpoints.ts', content: endpoints },
      { path: 'index.ts', content: index },
    ];
  }

  private collectPathTypes(): string[] {
    const names = new Set<string>();
    for (const node of walk(this.root)) {
      if (node === this.root) continue;
      for (const m of this.refType(node, []).matchAll(/[A-Za-z0-9_$]+/g)) if (m[0] !== 'DynamicSegment') names.add(m[0]);
    }
    return [...names];
  }
}

/** A type-only import, one name per line when it would not fit on one. */
function importLines(names: readonly string[], from: string): string {
  const one = `import type { ${names.join(', ')} } from '${from}';\n`;
  return one.length <= 120 ? one : `import type {\n${names.map((name) => `  ${name},\n`).join('')}} from '${from}';\n`;
}
