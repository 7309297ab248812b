/**
 * docs/api/: one page per path (a section per verb, like wechatpay-php's docs), an index grouped by
 * business tag, and the fix-up report.
 */
import type { Json } from './load.js';
import type { Endpoint, Model, Schema } from './model.js';
import { exampleOf } from './examples.js';
import { V2_SDK_FIELDS, headerRequired } from './emit-types.js';
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

/** The options object of the call samples, from the documented examples. */
function sampleOptions(endpoint: Endpoint): Record<string, Json> {
  const v2 = endpoint.area === 'v2';
  const options: Record<string, Json> = {};
  for (const p of endpoint.parameters.path) options[p.name] = exampleOf(p.schema, p.name);
  const query: Record<string, Json> = {};
  for (const p of endpoint.parameters.query) {
    if (v2 && V2_SDK_FIELDS.has(p.name)) continue;
    if (p.required || p.schema.example !== undefined) query[p.name] = exampleOf(p.schema, p.name);
  }
  if (Object.keys(query).length) options.query = query;
  if (endpoint.body) options[v2 ? 'xml' : 'json'] = exampleOf(endpoint.body.schema, 'body', { omit: v2 ? V2_SDK_FIELDS : new Set() });
  if (endpoint.multipart) options.multipart = '__MEDIA__';
  const headers: Record<string, Json> = {};
  for (const h of endpoint.parameters.header) if (h.required || h.schema.example !== undefined) headers[h.name] = exampleOf(h.schema, h.name);
  if (Object.keys(headers).length) options.headers = headers;
  return options;
}

/** The sample call of one style: `await target.verb(options)` or `target.verbAsync(options).then(...)`. */
export function sampleCall(endpoint: Endpoint, target: string, style: 'await' | 'then'): string {
  const options = sampleOptions(endpoint);
  const args = Object.keys(options).length ? jsLiteral(options).replace(`'__MEDIA__'`, 'media') : '';
  return style === 'await'
    ? `const { data } = await ${target}.${endpoint.method}(${args});\nconsole.log(data);`
    : `${target}.${endpoint.method}Async(${args})\n.then(({ data }) => {\n  console.log(data);\n});`;
}

function callSamples(endpoint: Endpoint, node: TreeNode): string {
  const media = endpoint.multipart ? '// `media`: the file to upload, as a MediaUtil (its `meta` JSON is what gets signed)\n' : '';
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
      `${single ? '#' : '##'} ${endpoint.summary || endpoint.template} {#${endpoint.method}}`,
      '',
      `\`${endpoint.method.toUpperCase()} ${endpoint.template}\`${endpoint.deprecated ? ' (deprecated)' : ''}`,
      '',
    ];
    const notes: string[] = [];
    if (endpoint.certRequired) notes.push('Needs the merchant certificate (mutual TLS; the SDK sends it).');
    if (endpoint.baseUri) notes.push(`Served by \`${endpoint.baseUri}\`.`);
    if (unreachable) notes.push('A segment of this path (with a capital letter) cannot be written as a property: call it with `chain()` or brackets.');
    if (notes.length) lines.push(...notes.map((n) => `> ${n}`), '');
    lines.push(requestTable(endpoint), callSamples(endpoint, node), '', responseTable(endpoint));
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
    'Every page shows the request parameters, the same call in six styles, the response fields and the official link. ',
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
