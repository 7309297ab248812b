/**
 * docs/api/: one page per path (a section per verb, like wechatpay-php's docs), an index grouped by
 * business tag, and the fix-up report.
 */
import type { Json } from './load.js';
import type { Endpoint, Model, Schema } from './model.js';
import { V2_SDK_FIELDS, headerRequired } from './emit-types.js';
import { exampleRequest, sample, sensitivePointers } from './emit-sandbox.js';
import { shortLabel } from './naming.js';
import { RULES } from './fixups.js';
import { chainExpression, walk, type TreeNode } from './tree.js';

export interface DocFile {
  path: string;
  content: string;
}

const cell = (text: string | undefined): string => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A schema's type as the tables write it (`string`, `integer`, `object`, `string[]`...). */
function typeLabel(schema: Schema): string {
  if (schema.oneOf?.length) return schema.oneOf.map(typeLabel).join(' \\| ');
  const type = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : 'any');
  if (type === 'array') return `${schema.items ? typeLabel(schema.items) : 'any'}[]`;
  return type;
}

function describe(schema: Schema, description?: string): string {
  const parts = [cell(shortLabel(description ?? schema.description, 60))];
  if (schema.enum?.length) parts.push(`${schema.enum.map((v) => `\`${String(v)}\``).join(' ')}`);
  if (schema['x-json']) parts.push('(JSON string)');
  if (schema['x-is-sensitive'] || schema.format === 'base64') parts.push('(encrypted)');
  return parts.filter(Boolean).join(' ');
}

/** Table rows for an object's fields, nested fields indented. */
function fieldRows(schema: Schema, depth: number, omit: ReadonlySet<string> = new Set()): string[] {
  const rows: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (omit.has(name)) continue;
    rows.push(`| ${'&emsp;'.repeat(depth)}${cell(name)} | ${typeLabel(prop)} | ${required.has(name) ? '✓' : ''} | ${describe(prop)} |`);
    const inner = prop.items ?? prop;
    if (inner.properties && !prop['x-json']) rows.push(...fieldRows(inner, depth + 1));
    if (prop['x-json']?.properties) rows.push(...fieldRows(prop['x-json'], depth + 1));
  }
  return rows;
}

/** JavaScript source for a value, wechatpay-php docs style (single quotes, 2-space indent). */
export function jsLiteral(value: Json | undefined, indent = ''): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'` : String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => jsLiteral(v, inner));
    const flat = `[${items.join(', ')}]`;
    return flat.length <= 80 && !flat.includes('\n') ? flat : `[\n${items.map((i) => `${inner}${i},\n`).join('')}${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(k) ? k : jsLiteral(k)}: ${jsLiteral(v, inner)},\n`).join('')}${indent}}`;
}

/**
 * The merchant id of the samples' APIv2 merchant fields: the id most documented examples use, and the
 * sandbox's default merchant (the client refuses a payload naming another merchant than its own).
 */
export const SAMPLE_MCHID = '1230000109';
const V2_MERCHANT_FIELDS = ['mch_id', 'mchid', 'combine_mch_id'];

/** Marks of values the samples write as code rather than as literals. */
const MEDIA = '@@media@@';
const ENCRYPT = '@@encrypt@@';
const REDIRECT = '@@redirect@@';

/** A plaintext for an encrypted field, by its name (the documented example is a ciphertext no key opens). */
export function plaintextFor(name: string): string {
  const n = name.toLowerCase();
  if (/card_no|card_number|account_no|account_number|bank_account|bank_no|settlement_card_no/.test(n)) return '6214830000000000';
  if (/e?mail/.test(n)) return 'user@example.com';
  if (/phone|mobile|tel$/.test(n)) return '13800138000';
  if (/address/.test(n)) return '广东省深圳市南山区科技中一道10000号';
  if (/name$/.test(n)) return '张三';
  if (/license/.test(n)) return '914403001000000000';
  if (/id_card|id_doc_number|id_number|identification_n|cert|cred|identity|number$|_no$/.test(n)) return '110101199003070000';
  return 'plaintext';
}

/** Replaces the values at the encrypted fields' JSON pointers (`/*` for array items) with `client.encrypt(...)` marks. */
function encryptAt(value: Json, segments: readonly string[], name: string): Json {
  if (segments.length === 0) return typeof value === 'string' ? `${ENCRYPT}${plaintextFor(name)}` : value;
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === '*') return Array.isArray(value) ? value.map((item) => encryptAt(item, rest, name)) : value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !(head in value)) return value;
  return { ...value, [head]: encryptAt(value[head]!, rest, head === '*' ? name : head) };
}

/**
 * The options object of the call samples: the example request the sandbox is generated with (documented
 * values, or values made up to fit the schema), written for a user: encrypted fields as
 * `client.encrypt('<plaintext>')` (the SDK then sends `Wechatpay-Serial` itself), APIv2 merchant fields as
 * {@link SAMPLE_MCHID}, APIv2 GET fields as the query they travel in, an upload as `media`.
 */
export function sampleOptions(endpoint: Endpoint): Record<string, Json> {
  const v2 = endpoint.area === 'v2';
  const request = exampleRequest(endpoint, []);
  const options: Record<string, Json> = { ...request.vars };
  let query = request.query as Record<string, Json> | undefined;
  let xml = request.xml as Record<string, Json> | undefined;
  if (v2 && endpoint.method === 'get' && xml) {
    // The query is typed by its schema (a number is a number there); the SDK signs it as text all the same.
    const typeOf = (name: string): string | undefined => endpoint.parameters.query.find((q) => q.name === name)?.schema.type;
    query = Object.fromEntries(Object.entries({ ...query, ...xml }).map(([k, v]) =>
      [k, (typeOf(k) === 'integer' || typeOf(k) === 'number') && typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v]));
    xml = undefined;
  }
  const merchant = (fields: Record<string, Json>): Record<string, Json> =>
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, V2_MERCHANT_FIELDS.includes(k) ? SAMPLE_MCHID : v]));
  if (query && Object.keys(query).length) options['query'] = v2 ? merchant(query) : query;
  if (request.json !== undefined) {
    let json = request.json;
    for (const pointer of sensitivePointers(endpoint.body?.schema)) {
      const segments = pointer.split('/').slice(1);
      json = encryptAt(json, segments, segments.at(-1) ?? 'value');
    }
    options['json'] = json;
  }
  if (xml) options['xml'] = merchant(xml);
  if (request.multipart) options['multipart'] = MEDIA;
  if (request.headers) options['headers'] = request.headers;
  // An entry page answers a redirect, and a redirect is not a 2xx: the sample accepts the documented status.
  if (endpoint.response.status >= 300 && endpoint.response.status < 400) options['validateStatus'] = `${REDIRECT}${endpoint.response.status}`;
  return options;
}

/** The options as source: marks turned into the code they stand for. */
function optionsSource(endpoint: Endpoint): string {
  const options = sampleOptions(endpoint);
  if (Object.keys(options).length === 0) return '';
  return jsLiteral(options)
    .replace(`'${MEDIA}'`, 'media')
    .replace(new RegExp(`'${ENCRYPT}([^']*)'`, 'g'), "client.encrypt('$1')")
    .replace(new RegExp(`'${REDIRECT}(\\d+)'`), '(status: number) => status === $1');
}

/** The sample call of one style: `await target.verb(options)` or `target.verbAsync(options).then(...)`. */
export function sampleCall(endpoint: Endpoint, target: string, style: 'await' | 'then'): string {
  const args = optionsSource(endpoint);
  return style === 'await'
    ? `const { data } = await ${target}.${endpoint.method}(${args});\nconsole.log(data);`
    : `${target}.${endpoint.method}Async(${args})\n.then(({ data }) => {\n  console.log(data);\n});`;
}

/** What an upload's `media` must be: the meta the endpoint signs, and how to build it. */
function mediaNote(endpoint: Endpoint): string {
  const multipart = exampleRequest(endpoint, []).multipart;
  if (!multipart) return '';
  const extra = Object.keys(multipart.meta).filter((k) => !['filename', 'sha256'].includes(k));
  const standard = multipart.file === 'file' && !multipart.fields && (!multipart.digest || multipart.digest.field === 'sha256');
  if (standard && extra.length === 0) return '// `media`: the file, e.g. `new MediaUtil(\'/path/to/image.png\')`; its meta `{"filename","sha256"}` is what gets signed\n';
  if (standard) return `// \`media\`: the file with the meta fields ${extra.map((k) => `\`${k}\``).join(', ')}, e.g. \`new MediaUtil('/path/to/file').setMeta({ ... })\`; the meta is what gets signed\n`;
  const parts = [`meta ${JSON.stringify(Object.keys(multipart.meta).length ? Object.keys(multipart.meta) : ['...'])}`, `file part \`${multipart.file}\``];
  if (multipart.digest) parts.push(`\`${multipart.digest.field}\` = ${multipart.digest.upper ? 'upper-case ' : ''}hex ${multipart.digest.algorithm.toUpperCase()} of the file`);
  if (multipart.fields) parts.push(`form fields ${Object.keys(multipart.fields).map((k) => `\`${k}\``).join(', ')}`);
  return `// \`media\`: a multipart body (getMeta(), getContentType(), getBody()) with ${parts.join('; ')}; the meta is what gets signed\n`;
}

function callSamples(endpoint: Endpoint, node: TreeNode): string {
  const media = mediaNote(endpoint);
  const targets: Array<[string, string | undefined]> = [
    ['chain', chainExpression(node)],
    ['chain()', `client.chain('${endpoint.template}')`],
    ['bracket', `client['${endpoint.template}']`],
  ];
  const blocks: string[] = [];
  for (const style of ['await', 'then'] as const) {
    for (const [name, target] of targets) {
      if (target) blocks.push(`\`\`\`ts [${name}, ${style === 'await' ? 'await' : '.then()'}]\n${media}${sampleCall(endpoint, target, style)}\n\`\`\``);
    }
  }
  const sink = sinkCall(endpoint, targets[0]![1] ?? targets[1]![1]!);
  if (sink) blocks.push(`\`\`\`ts [sink]\n// saved to a file as it streams (renamed once complete and checked), or give a Writable\n${sink}\n\`\`\``);
  return blocks.join('\n\n');
}

/** A download's sample with wechatpay-php's `sink` option (undefined for any other endpoint). */
export function sinkCall(endpoint: Endpoint, target: string): string | undefined {
  if (endpoint.response.kind !== 'binary' && endpoint.response.kind !== 'text') return undefined;
  const options = jsLiteral({ sink: `./somehowfile${endpoint.response.kind === 'text' ? '.csv' : ''}`, ...sampleOptions(endpoint) });
  return `const { data: path } = await ${target}.${endpoint.method}(${options});\nconsole.log(path);`;
}

function requestTable(endpoint: Endpoint): string {
  const v2 = endpoint.area === 'v2';
  const rows: string[] = [];
  for (const p of endpoint.parameters.path) rows.push(`| ${p.name} | ${typeLabel(p.schema)} | ✓ | ${describe(p.schema, p.description)} |`);
  if (endpoint.parameters.query.length) {
    const required = endpoint.parameters.query.some((p) => p.required && !(v2 && V2_SDK_FIELDS.has(p.name)));
    rows.push(`| query | object | ${required ? '✓' : ''} | Query string parameters |`);
    for (const p of endpoint.parameters.query) rows.push(`| &emsp;${p.name} | ${typeLabel(p.schema)} | ${p.required ? '✓' : ''} | ${describe(p.schema, p.description)} |`);
  }
  if (endpoint.body) {
    const key = v2 ? 'xml' : 'json';
    const omit = v2 ? V2_SDK_FIELDS : new Set<string>();
    const required = (endpoint.body.schema.required ?? []).some((n) => !omit.has(n));
    rows.push(`| ${key} | object | ${required ? '✓' : ''} | ${v2 ? 'The APIv2 XML payload (`nonce_str`, `sign`: filled in by the SDK)' : 'The JSON body'} |`);
    rows.push(...fieldRows(endpoint.body.schema, 1, omit));
  }
  if (endpoint.multipart) {
    rows.push('| multipart | MediaUtil | ✓ | The upload; parts: |');
    for (const p of endpoint.parameters.formData) {
      rows.push(`| &emsp;${p.name} | ${typeLabel(p.schema)} | ${p.required ? '✓' : ''} | ${describe(p.schema, p.description)} |`);
      if (p.schema['x-json']?.properties) rows.push(...fieldRows(p.schema['x-json'], 2));
    }
  }
  if (endpoint.parameters.header.length) {
    const required = (h: { name: string; required: boolean }): boolean => headerRequired(endpoint, h.name, h.required);
    rows.push(`| headers | object | ${endpoint.parameters.header.some(required) ? '✓' : ''} | Request headers |`);
    for (const h of endpoint.parameters.header) rows.push(`| &emsp;${h.name} | string | ${required(h) ? '✓' : ''} | ${describe(h.schema, h.description)} |`);
  }
  if (rows.length === 0) return '(no request parameters)\n';
  return `| 请求参数 | 类型 | 必填 | 描述 |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n`;
}

function responseTable(endpoint: Endpoint): string {
  const { response } = endpoint;
  switch (response.kind) {
    case 'empty':
      return `\`data\`: \`undefined\` (HTTP ${response.status}, no body).\n`;
    case 'binary':
      return '`data`: a `Buffer` (the file; the answer is not signed).\n';
    case 'text':
      return '`data`: the file as text (CSV)' + (endpoint.area === 'v2' ? '; a failure answers XML and rejects.\n' : '.\n');
    default: {
      const schema = response.schema!;
      const rows = schema.properties ? fieldRows(schema, 0) : [`| (${typeLabel(schema)}) | ${typeLabel(schema)} | | |`];
      const note = response.kind === 'xml' ? '\nAPIv2 answers are parsed from XML: every value is a string.\n' : '';
      return `| 返回字典 | 类型 | 必填 | 描述 |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n${note}`;
    }
  }
}

/** An APIv2 answer as it travels: `<xml>`, one element a field, text that is not plain in CDATA. */
function xmlSource(fields: Json): string {
  const entries = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? Object.entries(fields) : [];
  const text = (v: Json): string => {
    const value = v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /^[\w.:+-]*$/.test(value) ? value : `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
  };
  return `<xml>\n${entries.map(([k, v]) => `  <${k}>${text(v)}</${k}>\n`).join('')}</xml>`;
}

/** The documented example answer (what the sandbox answers too, with the ids the request named echoed). */
function exampleAnswer(endpoint: Endpoint): string {
  const { response } = endpoint;
  if (!response.schema || (response.kind !== 'json' && response.kind !== 'xml')) return '';
  const answer = sample(response.schema, 'answer', { xml: response.kind === 'xml', path: 'answer', repair: true });
  return response.kind === 'json'
    ? `Example answer (\`data\`):\n\n\`\`\`json\n${JSON.stringify(answer, null, 2)}\n\`\`\`\n`
    : `Example answer (the XML; \`data\` holds its fields as strings):\n\n\`\`\`xml\n${xmlSource(answer)}\n\`\`\`\n`;
}

/** The file of a path's page: the data's own layout (`{empty}.md` for a trailing slash). */
export function pagePath(template: string): string {
  return `${template.endsWith('/') ? `${template}{empty}` : template}.md`;
}

function page(node: TreeNode, header: string): string {
  const sections: string[] = [];
  const first = node.endpoints[0]!;
  const unreachable = chainExpression(node) === undefined;
  const single = node.endpoints.length === 1;
  for (const endpoint of node.endpoints) {
    const lines = [
      // An explicit anchor: GitHub ignores `{#id}` heading attributes, and a summary's slug is neither short nor stable.
      `${single ? '#' : '##'} <a id="${endpoint.method}"></a>${endpoint.summary || endpoint.template}`,
      '',
      `\`${endpoint.method.toUpperCase()} ${endpoint.template}\`${endpoint.deprecated ? ' (deprecated)' : ''}`,
      '',
    ];
    const notes: string[] = [];
    if (endpoint.certRequired) notes.push('Needs the merchant certificate (mutual TLS; the SDK sends it).');
    if (endpoint.baseUri) notes.push(`Served by \`${endpoint.baseUri}\`.`);
    if (unreachable) notes.push('A segment of this path (with a capital letter) cannot be written as a property: call it with `chain()` or brackets.');
    if (notes.length) lines.push(...notes.map((n) => `> ${n}`), '');
    lines.push(requestTable(endpoint), callSamples(endpoint, node), '', responseTable(endpoint), exampleAnswer(endpoint));
    if (endpoint.docUrl) lines.push(`参阅 [官方文档](${endpoint.docUrl})`, '');
    sections.push(lines.join('\n'));
  }
  return `${header}${single ? '' : `# \`${first.template}\`\n\n`}${sections.join('\n')}`;
}

function fixUpReport(model: Model, unreachable: readonly TreeNode[], header: string): string {
  const { report } = model;
  const lines = [
    `${header}# Fix-ups applied to the API description`,
    '',
    'Generated with the types: what the generator changed in the data before typing it (scripts/codegen/fixups.ts).',
    '',
    `## Entries (${report.applied.length})`,
    '',
    '| kind | file | at | what was wrong |',
    '| --- | --- | --- | --- |',
    ...report.applied.map((a) => `| ${a.kind} | ${cell(a.file)} | \`${cell(a.at)}\` | ${cell(a.was)} |`),
    '',
    '## Rules',
    '',
  ];
  for (const [rule, text] of Object.entries(RULES)) {
    const hits = report.hits.filter((h) => h.rule === rule);
    const counted = hits.every((h) => /^\d+ /.test(h.detail ?? ''));
    const total = counted ? `${hits.reduce((n, h) => n + Number.parseInt(h.detail!, 10), 0)} in ${hits.length} files` : `${hits.length}`;
    lines.push(`### ${rule} (${hits.length ? total : 0})`, '', text, '');
    for (const hit of hits) lines.push(`- ${cell(hit.where)}${hit.detail ? `: ${cell(hit.detail)}` : ''}`);
    lines.push('');
  }
  lines.push('## Not endpoints', '');
  for (const e of model.excluded) lines.push(`- \`${e.method.toUpperCase()} ${e.path}\` (${e.file}): ${e.why}`);
  lines.push('', '## Paths left out of the property chain', '');
  lines.push('A segment with a capital letter cannot be produced from a property (a capital `X` becomes `-x`): these are typed only through `chain(\'...\')` and `client[\'...\']`.', '');
  for (const node of unreachable) lines.push(`- \`${node.key}\``);
  lines.push('');
  return lines.join('\n');
}

export function emitDocs(model: Model, tree: TreeNode, header: string, unreachable: readonly TreeNode[] = []): DocFile[] {
  const files: DocFile[] = [];
  const byTag = new Map<string, Array<{ endpoint: Endpoint; path: string }>>();
  for (const node of walk(tree)) {
    if (node.endpoints.length === 0) continue;
    const path = pagePath(node.endpoints[0]!.template);
    files.push({ path, content: page(node, header) });
    for (const endpoint of node.endpoints) {
      for (const tag of endpoint.tags.length ? endpoint.tags : ['(untagged)']) {
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag)!.push({ endpoint, path });
      }
    }
  }
  const order = [...model.tags, ...[...byTag.keys()].filter((t) => !model.tags.includes(t)).sort()];
  const index = [
    `${header}# API reference`,
    '',
    `${model.endpoints.length} endpoints, typed from the WeChat Pay API description, grouped by business tag (an endpoint may be under several). `,
    'Every page shows the request parameters, the same call in six styles, the response fields, an example answer and the official link. ',
    'See [fix-ups.md](fix-ups.md) for what was corrected in the data.',
    '',
    '## Reading the types',
    '',
    '- `client.v3.pay.transactions.jsapi`, `client.chain(\'v3/pay/transactions/jsapi\')` and `client[\'v3/pay/transactions/jsapi\']` are the same typed node; ' +
      'a node offers exactly its documented verbs (`post`, and `postAsync`, the same call under wechatpay-php\'s async name).',
    '- Segments are camelCase properties (`product-coupons` -> `productCoupons`); a path variable `{stock_id}` is `_stock_id_`, `$stock_id$` or `[\'{stock_id}\']`, ' +
      'and its value goes in the options (`stock_id: \'...\'`); `_empty_` is a trailing slash. A segment with a capital letter (three APIv2 paths) has no property: use `chain()`.',
    '- Where a node\'s only child is a variable (`v3/pay/transactions/id`), the value may also be the property itself (`id[orderId]`); the options then no longer take it. ' +
      'With `noUncheckedIndexedAccess` write `id[orderId]!`. Elsewhere an unknown property is a compile error.',
    '- Options: path variables as top-level keys (integers may be numbers), `query`, `json` (APIv3) or `xml` (APIv2: `nonce_str` and `sign` are filled in by the SDK), ' +
      '`multipart` for uploads, documented `headers`, plus the transport settings. `Wechatpay-Serial` is optional: the SDK sends it when the body holds a value from `client.encrypt()`.',
    '- `data`: the parsed JSON; `undefined` for an empty answer (204/202); a `Buffer` for file downloads; a string for CSV statements; ' +
      'APIv2 answers are parsed from XML, so their values are strings (`coupon_id_$n` fields: `coupon_id_0`, `coupon_id_1`...).',
    '- Any other string given to `chain()` compiles, with loose options and `data: unknown`: the escape hatch for routes the description lacks.',
    '',
    '## Running the samples',
    '',
    '- `client` is `Builder.factory(config)`; against the embedded sandbox, `Builder.factory(sandbox.config)` (see [the sandbox](../sandbox.md)). ' +
      'Upload samples also take `media`, the file to send (usually a `MediaUtil`; the comment above the call says which meta the endpoint signs).',
    '- The values are the documented examples (or, where a required field has none, a value made up to fit its type and format). ' +
      `Encrypted fields (\`x-is-sensitive\`) are written \`client.encrypt('<plaintext>')\`: the SDK then sends \`Wechatpay-Serial\` itself. APIv2 merchant fields name \`${SAMPLE_MCHID}\`, the sandbox's merchant.`,
    '- `spec/docs/api-samples.slow.spec.ts` takes every sample of every page from these files and runs it as written against the sandbox, expecting a verified answer; ' +
      'an endpoint that reads state (an order, a refund, an upload, a bill) gets that state made first, and an id the platform assigns itself replaces the documented one.',
    '',
  ];
  for (const tag of order) {
    const entries = byTag.get(tag);
    if (!entries) continue;
    index.push(`## ${tag}`, '');
    for (const { endpoint, path } of entries) {
      index.push(`- [${cell(endpoint.summary || endpoint.template)}](${encodeURI(path)}#${endpoint.method}) \`${endpoint.method.toUpperCase()} ${endpoint.template}\``);
    }
    index.push('');
  }
  files.push({ path: 'README.md', content: index.join('\n') });
  files.push({ path: 'fix-ups.md', content: fixUpReport(model, unreachable, header) });
  return files;
}
