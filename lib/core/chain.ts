import { inspect } from 'node:util';
import { RequestError } from '../errors.js';
import type { HttpVerb } from '../types.js';
import { dynamicSegment } from './routes.js';
import { encodeSegment, normalizeProperty, requestedTemplate } from './uri.js';

/**
 * Sends one request: what every verb of every node ends in. `route` is the template as the API description
 * names it (`v3/pay/transactions/id/{transaction_id}` where `template` holds the id written into the chain).
 */
export type Dispatch = (verb: HttpVerb, template: string, options: unknown, route: string) => Promise<unknown>;

const VERBS: ReadonlySet<string> = new Set<HttpVerb>(['get', 'post', 'put', 'patch', 'delete']);
const ASYNC_VERBS: ReadonlyMap<string, HttpVerb> = new Map(
  [...VERBS].map((verb) => [`${verb}Async`, verb as HttpVerb]),
);

interface NodeState {
  /** The URI template this node names. */
  template: string;
  /** The template as the API description names it: `{var}` where a value was given directly (`id[orderId]` -> `id/{transaction_id}`). */
  describedTemplate: string;
  /** Set when this node was reached through a verb name: calling the node sends that verb to the parent. */
  verbOf?: { verb: HttpVerb; template: string; route: string };
  /** Child nodes by property, bounded by {@link CHILDREN_LIMIT}; never made below {@link CACHED_DEPTH}. */
  children?: Map<string, unknown>;
  /** Properties from the root to this node. */
  depth: number;
}

const STATE = Symbol('state');
type NodeTarget = (() => void) & { [STATE]: NodeState };

/** Joins a template and a further piece with exactly one `/` between them. */
export function joinTemplate(template: string, piece: string): string {
  if (template === '') return piece;
  return template.endsWith('/') || piece.startsWith('/') ? `${template}${piece}` : `${template}/${piece}`;
}

/** The template of a tagged-template call: literal parts verbatim, every value one encoded segment. */
export function taggedTemplate(strings: TemplateStringsArray, values: readonly unknown[]): string {
  return strings.reduce((out, literal, index) => out + literal + (index < values.length ? encodeSegment(values[index]) : ''), '');
}

/** Children kept per node for reuse; a bound, so dynamic segments (order ids) cannot grow it. */
const CHILDREN_LIMIT = 256;
/**
 * How deep nodes are kept for reuse. Each node holds its whole template, so a cache without this bound would
 * keep memory growing with the square of a chain's depth; no documented endpoint is deeper than about 12
 * segments, and a deeper chain is made afresh on each access and left to the collector.
 */
export const CACHED_DEPTH = 32;

/**
 * Makes chain nodes: Proxies whose every property is a further segment, and whose `get` ... `delete`
 * and `getAsync` ... `deleteAsync` send a request. One handler serves all nodes of a client; nodes are
 * reused from a small bounded cache, so a chain written in code costs a few map lookups.
 */
export interface Chain {
  /** The node of a template written out (`client.chain('v3/...')`, `client['v3/...']`): verbatim. */
  template(template: string): unknown;
  /** The node of a root property (`client.v3`): normalised as every property is. */
  property(property: string): unknown;
}

export function createChain(dispatch: Dispatch): Chain {
  const roots = new Map<string, unknown>();
  const rootProperties = new Map<string, unknown>();

  function cached(cache: Map<string, unknown>, key: string, make: () => unknown): unknown {
    let node = cache.get(key);
    if (node === undefined) {
      node = make();
      if (cache.size >= CHILDREN_LIMIT) cache.clear();
      cache.set(key, node);
    }
    return node;
  }

  /** A property's node: made once per parent and property (no closure per access: it is on every call's path). */
  function child(state: NodeState, property: string): unknown {
    if (state.depth >= CACHED_DEPTH) return makeChild(state, property);
    const cache = state.children ??= new Map();
    let node = cache.get(property);
    if (node === undefined) {
      node = makeChild(state, property);
      if (cache.size >= CHILDREN_LIMIT) cache.clear();
      cache.set(property, node);
    }
    return node;
  }

  function makeChild(state: NodeState, property: string): unknown {
    const segment = normalizeProperty(property);
    const variable = segment.startsWith('{') ? undefined : dynamicSegment(state.describedTemplate);
    // Where the API has one variable child, a plain property is that variable's value: verbatim, encoded.
    const template = joinTemplate(state.template, variable ? encodeSegment(property) : segment);
    const describedTemplate = joinTemplate(state.describedTemplate, variable ?? segment);
    const depth = state.depth + 1;
    return makeNode(VERBS.has(property)
      ? { template, describedTemplate, depth, verbOf: { verb: property as HttpVerb, template: state.template, route: state.describedTemplate } }
      : { template, describedTemplate, depth });
  }

  const handler: ProxyHandler<NodeTarget> = {
    get(target, property) {
      const state = target[STATE];
      if (typeof property === 'symbol') return symbolMember(state, property);
      if (SPECIAL_MEMBERS.has(property)) return stringMember(state, property);
      const asyncVerb = ASYNC_VERBS.get(property);
      if (asyncVerb) return (options?: unknown) => dispatch(asyncVerb, state.template, options, state.describedTemplate);
      return child(state, property);
    },
    apply(target, _this, args: unknown[]) {
      const state = target[STATE];
      if (!state.verbOf) {
        return Promise.reject(new RequestError('EREQUEST_CALL',
          `${state.template} is a chain node, not a verb: call .get(), .post(), .put(), .patch() or .delete() on it`));
      }
      return dispatch(state.verbOf.verb, state.verbOf.template, args[0], state.verbOf.route);
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
    deleteProperty() {
      return false;
    },
  };

  function makeNode(state: NodeState): unknown {
    // util.inspect shows a Proxy's target without running its traps, so the target describes itself.
    const target = Object.defineProperties(() => undefined, {
      [STATE]: { value: state },
      [inspect.custom]: { value: () => nodeLabel(state) },
    }) as NodeTarget;
    return new Proxy(target, handler);
  }

  const template = (text: string) => cached(roots, text, () => makeNode({ template: text, describedTemplate: text, depth: 1 }));
  return {
    template,
    property: (property) => cached(rootProperties, property, () => template(normalizeProperty(property))),
  };
}

/** Members that make a node behave as a plain value for promises, serialisation and printing. */
const SPECIAL_MEMBERS: ReadonlySet<string> = new Set(['then', 'toJSON', 'toString', 'valueOf', 'inspect']);

function stringMember(state: NodeState, property: string): unknown {
  switch (property) {
    case 'then':
      return undefined;
    case 'toJSON':
    case 'toString':
    case 'valueOf':
      return () => requestedTemplate(state.template);
    case 'inspect':
      return () => nodeLabel(state);
    default:
      return undefined;
  }
}

function symbolMember(state: NodeState, property: symbol): unknown {
  switch (property) {
    case Symbol.toPrimitive:
      return () => requestedTemplate(state.template);
    case Symbol.toStringTag:
      return 'WechatpayChain';
    case inspect.custom:
      return () => nodeLabel(state);
    default:
      return undefined;
  }
}

function nodeLabel(state: NodeState): string {
  return `[WechatpayChain ${requestedTemplate(state.template)}]`;
}
