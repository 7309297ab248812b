/**
 * `$ref` resolution and `allOf` merging. The result is plain JSON Schema-like data without references,
 * shared (not copied) where two places refer to the same definition: treat it as read-only.
 */
import { posix } from 'node:path';
import { isObject, type Json, type JsonObject, type Source } from './load.js';

export interface ResolveStats {
  /** `File.yaml#Name` references read as `File.yaml#/Name`. */
  bareFragmentRefs: number;
  /** References resolved in total. */
  refs: number;
  /** `allOf` lists merged. */
  allOfMerged: number;
}

/** Reads a `$ref` as a (file, JSON pointer) pair; `File.yaml#Name` (no slash) means `File.yaml#/Name`. */
export function parseRef(ref: string, fromFile: string, stats?: ResolveStats): { file: string; pointer: string[] } {
  const hash = ref.indexOf('#');
  const filePart = hash === -1 ? ref : ref.slice(0, hash);
  let fragment = hash === -1 ? '' : ref.slice(hash + 1);
  if (fragment !== '' && !fragment.startsWith('/')) {
    fragment = `/${fragment}`;
    if (stats) stats.bareFragmentRefs++;
  }
  const file = filePart === '' ? fromFile : posix.normalize(posix.join(posix.dirname(fromFile), filePart));
  const pointer = fragment === '' ? [] : fragment.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return { file, pointer };
}

export function getPointer(doc: Json, pointer: readonly string[]): Json | undefined {
  let node: Json | undefined = doc;
  for (const key of pointer) {
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[key];
    else return undefined;
  }
  return node;
}

/**
 * Merges `allOf` parts (already resolved) and the node's own keys: properties joined, required united,
 * enums united (the data extends a shared enum this way: `allOf: [$ref BillType, {enum: [RECHARGE_REFUND, ...]}]`
 * means BillType's values and these), later keys win.
 */
export function mergeSchemas(parts: readonly JsonObject[]): JsonObject {
  const merged: JsonObject = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isObject(value)) {
        merged.properties = { ...(isObject(merged.properties) ? merged.properties : {}), ...value };
      } else if ((key === 'required' || key === 'enum') && Array.isArray(value)) {
        const seen = Array.isArray(merged[key]) ? merged[key] : [];
        merged[key] = [...seen, ...value.filter((item) => !seen.includes(item))];
      } else {
        merged[key] = value;
      }
    }
  }
  return merged;
}

export class Resolver {
  readonly stats: ResolveStats = { bareFragmentRefs: 0, refs: 0, allOfMerged: 0 };
  private readonly cache = new Map<string, Json>();
  private readonly stack: string[] = [];

  constructor(private readonly source: Source) {}

  /** The node at `pointer` in `file`, resolved. */
  at(file: string, pointer: readonly string[]): Json {
    const key = `${file}#/${pointer.join('/')}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    if (this.stack.includes(key)) throw new Error(`circular $ref: ${[...this.stack, key].join(' -> ')}`);
    const doc = this.source.files.get(file);
    if (!doc) throw new Error(`$ref to a missing file: ${key}`);
    const node = getPointer(doc, pointer);
    if (node === undefined) throw new Error(`$ref to a missing node: ${key}`);
    this.stack.push(key);
    try {
      const resolved = this.resolve(node, file);
      this.cache.set(key, resolved);
      return resolved;
    } finally {
      this.stack.pop();
    }
  }

  /** A copy of `node` (found in `file`) with every `$ref` replaced and every `allOf` merged. */
  resolve(node: Json, file: string): Json {
    if (Array.isArray(node)) return node.map((item) => this.resolve(item, file));
    if (!isObject(node)) return node;
    if (typeof node.$ref === 'string') {
      this.stats.refs++;
      const { file: target, pointer } = parseRef(node.$ref, file, this.stats);
      const { $ref: _ref, ...siblings } = node;
      const resolved = this.at(target, pointer);
      if (Object.keys(siblings).length === 0) return resolved;
      // Keys written beside a $ref (a description, an example) refine the referenced schema.
      if (!isObject(resolved)) throw new Error(`${file}: $ref ${node.$ref} with siblings points at a non-object`);
      return mergeSchemas([resolved, this.resolve(siblings, file) as JsonObject]);
    }
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      // Examples are data, not schema: never resolve inside them.
      out[key] = key === 'example' || key === 'enum' || key === 'default' ? value : this.resolve(value, file);
    }
    if (Array.isArray(out.allOf)) {
      this.stats.allOfMerged++;
      const { allOf, ...own } = out;
      const parts = allOf.filter(isObject);
      if (parts.length !== allOf.length) throw new Error(`${file}: allOf with a non-object part`);
      return mergeSchemas([...parts, own]);
    }
    return out;
  }
}
