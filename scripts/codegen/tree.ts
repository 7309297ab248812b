/**
 * The chain tree: every endpoint template and every prefix of one, with the property names that reach
 * each segment under the runtime's normalisation rules (wechatpay-php's, see docs/protocol.md#normalisation-rules).
 */
import { normalizeProperty } from '../../lib/core/uri.js';
import type { Endpoint } from './model.js';

/** The runtime's own property normalisation: the generator and the chain cannot disagree. */
export { normalizeProperty };

/**
 * The property a literal segment is written as: camelCase (`product-coupons` -> `productCoupons`), else
 * the segment itself when it normalises to itself (`video_upload`, `a.b`); undefined when no property
 * can produce it (a capital in the segment: `addInstitutionsub`).
 */
export function propertyOf(segment: string): string | undefined {
  const camel = segment.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  if (normalizeProperty(camel) === segment) return camel;
  if (normalizeProperty(segment) === segment) return segment;
  return undefined;
}

export interface TreeNode {
  /** The `Paths` key: the template prefix in `{var}` form (`v3/applyment4sub/applyment/` for `{empty}`). */
  key: string;
  /** This node's own segment (`''` at the root, `{empty}` for a trailing slash, `{name}` for a variable). */
  segment: string;
  parent?: TreeNode;
  children: Map<string, TreeNode>;
  endpoints: Endpoint[];
}

export const isVariable = (segment: string): boolean => /^\{[^}]+\}$/.test(segment) && segment !== '{empty}';

export function buildTree(endpoints: readonly Endpoint[]): TreeNode {
  const root: TreeNode = { key: '', segment: '', children: new Map(), endpoints: [] };
  for (const endpoint of endpoints) {
    const parts = endpoint.template.split('/');
    let node = root;
    parts.forEach((part, i) => {
      const segment = part === '' && i === parts.length - 1 ? '{empty}' : part;
      let child = node.children.get(segment);
      if (!child) {
        const key = segment === '{empty}' ? `${node.key}/` : node.key ? `${node.key}/${segment}` : segment;
        child = { key, segment, parent: node, children: new Map(), endpoints: [] };
        node.children.set(segment, child);
      }
      node = child;
    });
    node.endpoints.push(endpoint);
  }
  return root;
}

export function* walk(node: TreeNode): Generator<TreeNode> {
  yield node;
  for (const child of [...node.children.values()].sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0))) yield* walk(child);
}

/** The properties that reach `segment` from its parent: a variable has three spellings. */
export function propertiesOf(segment: string): string[] {
  if (segment === '{empty}') return ['_empty_'];
  const variable = /^\{(.+)\}$/.exec(segment);
  if (variable) return [`_${variable[1]}_`, `$${variable[1]}$`, segment];
  const property = propertyOf(segment);
  return property === undefined ? [] : [property];
}

/**
 * A parent whose only child is one variable (`v3/pay/transactions/id` -> `{transaction_id}`) also takes the
 * value itself as a property (`id[orderId]`): the path then carries the value and the options no longer do.
 */
export function dynamicChild(node: TreeNode): TreeNode | undefined {
  if (node.children.size !== 1) return undefined;
  const [child] = node.children.values();
  return child && isVariable(child.segment) ? child : undefined;
}

/** The chain expression of a node, or undefined when a segment cannot be written as a property. */
export function chainExpression(node: TreeNode, root = 'client'): string | undefined {
  const parts: string[] = [];
  for (let n: TreeNode | undefined = node; n && n.segment !== '' ; n = n.parent) parts.unshift(n.segment);
  let out = root;
  for (const segment of parts) {
    const [property] = propertiesOf(segment);
    if (property === undefined) return undefined;
    out += /^[A-Za-z_$][\w$]*$/.test(property) ? `.${property}` : `[${JSON.stringify(property)}]`;
  }
  return out;
}
