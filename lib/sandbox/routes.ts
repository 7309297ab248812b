/**
 * Request path -> endpoint. Every endpoint's path (APIv2 ones without `v2/`, as the client sends them)
 * goes into a tree of segments; at each level a literal segment is tried before a variable one, so
 * `v3/x/batch` beats `v3/x/{id}`. Paths that match more than one template of the same shape come back in
 * order, for the caller to pick by validating the path variables. The control API (control.ts) routes
 * its own table with the same tree.
 */
import type { SandboxEndpoint } from './data.js';

/** What a router routes: a method and a path template (`a/{name}/b`). */
export interface Routable {
  method: string;
  template: string;
  /** `v2`: served without its `v2/` prefix. */
  area?: string;
}

interface Node<T> {
  literals: Map<string, Node<T>>;
  variable?: Node<T>;
  /** Endpoints ending here, by method (lower case). */
  endpoints: Map<string, T[]>;
}

export interface RouteMatch<T extends Routable = SandboxEndpoint> {
  endpoint: T;
  /** Path variables, percent-decoded. */
  vars: Record<string, string>;
}

export type RouteResult<T extends Routable = SandboxEndpoint> =
  | { found: true; matches: RouteMatch<T>[] }
  | { found: false; methods: string[] };

const node = <T>(): Node<T> => ({ literals: new Map(), endpoints: new Map() });

/** The path of an endpoint as requested: `v2/pay/micropay` is served at `/pay/micropay`. */
export function servedPath(endpoint: Routable): string {
  return endpoint.area === 'v2' ? endpoint.template.replace(/^v2\//, '') : endpoint.template;
}

const variableNames = (template: string): string[] => [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

export class Router<T extends Routable = SandboxEndpoint> {
  readonly #root = node<T>();

  constructor(endpoints: readonly T[]) {
    for (const endpoint of endpoints) {
      let at = this.#root;
      for (const segment of servedPath(endpoint).split('/')) {
        if (/^\{[^}]+\}$/.test(segment)) at = at.variable ??= node<T>();
        else {
          let next = at.literals.get(segment);
          if (!next) at.literals.set(segment, (next = node<T>()));
          at = next;
        }
      }
      const method = endpoint.method.toLowerCase();
      const list = at.endpoints.get(method) ?? [];
      list.push(endpoint);
      at.endpoints.set(method, list);
    }
  }

  /** The endpoints serving `method` at `pathname` (as received: percent-encoded, leading `/`). */
  match(method: string, pathname: string): RouteResult<T> {
    const segments = pathname.replace(/^\//, '').split('/');
    const verb = method.toLowerCase();
    const methods = new Set<string>();
    const search = (at: Node<T>, index: number, values: string[]): RouteMatch<T>[] | undefined => {
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
