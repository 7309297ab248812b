/**
 * lib/generated/routes.ts: the few per-endpoint facts the runtime needs, as plain sorted lists of
 * client templates (`{var}` form; `v2/` prefix for APIv2). Loaded at runtime, so it stays tiny.
 */
import type { Model } from './model.js';
import { dynamicChild, walk, type TreeNode } from './tree.js';

const list = (name: string, doc: string, values: Iterable<string>): string =>
  `/** ${doc} */\nexport const ${name}: readonly string[] = [\n${[...new Set(values)].sort().map((v) => `  '${v}',\n`).join('')}];\n`;

export function emitRoutes(model: Model, tree: TreeNode, header: string): string {
  const { endpoints } = model;
  const baseUris = new Map<string, string>();
  for (const e of endpoints) if (e.baseUri) baseUris.set(e.template, e.baseUri);
  const v2 = endpoints.filter((e) => e.area === 'v2');
  const statements = endpoints.filter((e) => e.response.headers && Object.keys(e.response.headers).some((h) => h.toLowerCase() === 'wechatpay-statement-sha1'));
  return (
    header +
    list(
      'UNSIGNED_DOWNLOADS',
      'APIv3 file downloads: the answer carries no signature (its integrity is checked by the bill hash instead).',
      endpoints.filter((e) => e.area !== 'v2' && e.response.kind === 'binary').map((e) => e.template),
    ) +
    '\n' +
    list(
      'STATEMENTS',
      'Overseas statements (CSV): the signed body is `{"sha1":"<Wechatpay-Statement-Sha1>"}`, not the CSV.',
      statements.map((e) => e.template),
    ) +
    '\n' +
    list('V2_CERT_REQUIRED', 'APIv2 endpoints that need the merchant certificate (mutual TLS, `security: true`), per `x-api-cert-required`.', v2.filter((e) => e.certRequired).map((e) => e.template)) +
    '\n' +
    list(
      'V2_UNSIGNED_RESPONSES',
      'APIv2 endpoints whose documented answer has no `sign` field (nothing to verify), including file downloads and HTML pages.',
      v2.filter((e) => !e.response.schema?.properties?.sign).map((e) => e.template),
    ) +
    '\n' +
    list('V2_GET', 'APIv2 endpoints called with GET: the signed fields travel in the query string.', v2.filter((e) => e.method === 'get').map((e) => e.template)) +
    '\n' +
    '/** Nodes whose only child is a path variable: a property there is a value (`id[orderId]`), taken verbatim and encoded. */\n' +
    'export const DYNAMIC_SEGMENTS: Readonly<Record<string, string>> = {\n' +
    [...walk(tree)].filter((node) => node.key !== '' && dynamicChild(node))
      .map((node) => [node.key, dynamicChild(node)!.segment])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)).map(([k, v]) => `  '${k}': '${v}',\n`).join('') +
    '};\n' +
    '\n' +
    '/** Endpoints served by another host (`x-base-uri` / `x-baseuri`): template -> base URI. */\n' +
    'export const BASE_URIS: Readonly<Record<string, string>> = {\n' +
    [...baseUris].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, u]) => `  '${t}': '${u}',\n`).join('') +
    '};\n'
  );
}
