/**
 * Loading the API description: every endpoint file and every definition file, parsed as YAML 1.2.
 * Nothing here knows about TypeScript; see model.ts for the resolved, reusable view of the data.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseDocument, visit } from 'yaml';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Where the data comes from (named in every generated header). */
export const DATA_SOURCE = {
  project: 'TheNorthMemory/wechatpay-openapi',
  url: 'https://github.com/TheNorthMemory/wechatpay-openapi',
  folder: 'docs/',
  commit: '4d6325b09af308025ba7677ead284feeea2680ba',
  licence: 'MIT',
} as const;

export interface Source {
  /** Absolute path of the data folder. */
  root: string;
  /** swagger.yaml: the index (tags, paths). */
  index: JsonObject;
  /** Every YAML file but the index, keyed by its path relative to the root (posix separators). */
  files: Map<string, JsonObject>;
  /** Scalars the parser kept as written (see `parseYaml`): file -> count. */
  keptScalars: Map<string, number>;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * YAML 1.2 (core schema), so `YES`/`NO` stay strings. One more rule on top of the parser: a plain scalar
 * that looks like an integer with a leading zero (`013467007045764`, a device id) is kept as the string it
 * is written as; as a number it would lose its leading zero.
 */
export function parseYaml(text: string, file: string, kept?: Map<string, number>): Json {
  const doc = parseDocument(text, { version: '1.2', schema: 'core', prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  visit(doc, {
    Scalar(_key, node) {
      if (node.type === 'PLAIN' && typeof node.value === 'number' && /^[-+]?0\d+$/.test(node.source ?? '')) {
        node.value = node.source;
        kept?.set(file, (kept.get(file) ?? 0) + 1);
      }
    },
  });
  return doc.toJS({ maxAliasCount: -1 }) as Json;
}

function listYaml(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base ? posix.join(base, entry.name) : entry.name;
    if (entry.isDirectory()) out.push(...listYaml(dir, rel));
    else if (entry.name.endsWith('.yaml')) out.push(rel);
  }
  return out;
}

export function loadSource(root: string): Source {
  const keptScalars = new Map<string, number>();
  const index = parseYaml(readFileSync(join(root, 'swagger.yaml'), 'utf8'), 'swagger.yaml');
  if (!isObject(index)) throw new Error('swagger.yaml: not a mapping');
  const files = new Map<string, JsonObject>();
  for (const rel of listYaml(root).sort()) {
    if (rel === 'swagger.yaml') continue;
    const doc = parseYaml(readFileSync(join(root, rel), 'utf8'), rel, keptScalars);
    if (!isObject(doc)) throw new Error(`${rel}: not a mapping`);
    files.set(rel, doc);
  }
  return { root, index, files, keptScalars };
}
