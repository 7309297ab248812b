/**
 * Request path -> endpoint. Every endpoint's path (APIv2 ones without `v2/`, as the client sends them)
 * goes into a tree of segments; at each level a literal segment is tried before a variable one, so
 * `v3/x/batch` beats `v3/x/{id}`. Paths that match more than one template of the same shape come back in
 * order, for the caller to pick by validating the path variables.
 */
import type { SandboxEndpoint } from './data.js';

interface Node {
  literals: Map<string, Node>;
  variable?: Node;
  /** Endpoints ending here, by method. */
  endpoints: Map<string, SandboxEndpoint[]>;
}

export interface RouteMatch {
  endpoint: SandboxEndpoint;
  /** Path variables, percent-decoded. */
  vars: Record<string, string>;
}

export type RouteResult =
  | { found: true; matches: RouteMatch[] }
  | { found: false; methods: string[] };

const node = (): Node => ({ literals: new Map(), endpoints: new Map() });

/** The path of an endpoint as requested: `v2/pay/micropay` is served at `/pay/micropay`. */
export function servedPath(endpoint: SandboxEndpoint): string {
  return endpoint.area === 'v2' ? endpoint.template.replace(/^v2\//, '') : endpoint.template;
}

const variableNames = (template: string): string[] => [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

export class Router {
  readonly #root = node();

  constructor(endpoints: readonly SandboxEndpoint[]) {
    for (const endpoint of endpoints) {
      let at = this.#root;
      for (const segment of servedPath(endpoint).split('/')) {
        if (/^\{[^}]+\}$/.test(segment)) at = at.variable ??= node();
        else {
          let next = at.literals.get(segment);
          if (!next) at.literals.set(segment, (next = node()));
          at = next;
        }
      }
      const list = at.endpoints.get(endpoint.method) ?? [];
      list.push(endpoint);
      at.endpoints.set(endpoint.method, list);
    }
  }

  /** The endpoints serving `method` at `pathname` (as received: percent-encoded, leading `/`). */
  match(method: string, pathname: string): RouteResult {
    const segments = pathname.replace(/^\//, '').split('/');
    const verb = method.toLowerCase();
    const methods = new Set<string>();
    const search = (at: Node, index: number, values: string[]): RouteMatch[] | undefined => {
      if (index === segments.length) {
        const here = at.endpoints.get(verb);
        for (const known of at.endpoints.keys()) methods.add(known);
        if (!here) return undefined;
        return here.map((endpoint) => {
          const names = variableNames(endpoint.template);
          return { endpoint, vars: Object.fromEntries(names.map((name, i) => [name, values[i]!])) };
        });
      }
      const segment = segments[index]!;
      const literal = at.literals.get(segment);
      const viaLiteral = literal ? search(literal, index + 1, values) : undefined;
      if (viaLiteral) return viaLiteral;
      if (at.variable && segment !== '') {
        let value: string;
        try {
          value = decodeURIComponent(segment);
        } catch {
          return undefined;
        }
        return search(at.variable, index + 1, [...values, value]);
      }
      return undefined;
    };
    const matches = search(this.#root, 0, []);
    return matches ? { found: true, matches } : { found: false, methods: [...methods].sort() };
  }
}
