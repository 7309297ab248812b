/**
 * The endpoints the command line knows, from the API description the codegen emitted (the sandbox's data
 * file: template, verb, documented answer): an endpoint named on the command line as its template or as a
 * chain, its documented verbs, and every template for shell completion.
 */
import { joinTemplate } from '../core/chain.js';
import { dynamicSegment } from '../core/routes.js';
import { normalizeProperty } from '../core/uri.js';
import { loadData, type SandboxEndpoint } from '../sandbox/data.js';
import type { HttpVerb } from '../types.js';

/** An endpoint as named on the command line. */
export interface NamedEndpoint {
  /** The properties to walk down the client (`['v3', 'pay', ...]`), or undefined for a template written out. */
  chain: string[] | undefined;
  /** The template written out (verbatim), or the one the chain names (values given in it as they are). */
  template: string;
  /** The template as the API description names it, when the description has it. */
  described: string | undefined;
  /** Its documented verbs (none when the description does not have it). */
  verbs: HttpVerb[];
  /** The description's entries for it, one per verb. */
  entries: SandboxEndpoint[];
}

let byTemplate: Map<string, SandboxEndpoint[]> | undefined;

function table(): Map<string, SandboxEndpoint[]> {
  if (!byTemplate) {
    byTemplate = new Map();
    for (const endpoint of loadData().endpoints) {
      const list = byTemplate.get(endpoint.template) ?? [];
      list.push(endpoint);
      byTemplate.set(endpoint.template, list);
    }
  }
  return byTemplate;
}

/** Every documented template, sorted. */
export function templates(): string[] {
  return [...table().keys()].sort();
}

/** A concrete path (`v3/pay/transactions/out-trade-no/T1`) matched against the templates, `{x}` standing for one segment. */
function describedOf(path: string): string | undefined {
  const bare = path.replace(/[?#].*$/, '').replace(/^\/+/, '');
  if (table().has(bare)) return bare;
  const segments = bare.split('/');
  return [...table().keys()].find((template) => {
    const parts = template.split('/');
    return parts.length === segments.length && parts.every((part, index) => /^\{[^}]+\}$/.test(part) || part === segments[index]);
  });
}

/**
 * `v3/pay/transactions/out-trade-no/{out_trade_no}` (a template: has a `/`) or
 * `v3.pay.transactions.outTradeNo._out_trade_no_` (a chain: the client's property rules, `.` between properties).
 */
export function nameEndpoint(text: string): NamedEndpoint {
  const trimmed = text.trim();
  let chain: string[] | undefined;
  let template: string;
  let described: string | undefined;
  if (trimmed.includes('/')) {
    template = trimmed.replace(/^\/+/, '');
    described = describedOf(template);
  } else {
    chain = trimmed.split('.').filter((part) => part !== '');
    template = '';
    let named = '';
    for (const property of chain) {
      const segment = normalizeProperty(property);
      const variable = segment.startsWith('{') ? undefined : dynamicSegment(named);
      template = joinTemplate(template, variable ? property : segment);
      named = joinTemplate(named, variable ?? segment);
    }
    described = table().has(named) ? named : describedOf(template);
  }
  const entries = described === undefined ? [] : table().get(described) ?? [];
  return { chain, template, described, verbs: entries.map((entry) => entry.method), entries };
}
