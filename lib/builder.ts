import { inspect } from 'node:util';
import { createChain, taggedTemplate } from './chain.js';
import { createTransport } from './client.js';
import { loadConfig, type CertsInput, type ClientConfig } from './config.js';
import type { LooseNode } from './types.js';
import { normalizeProperty } from './uri.js';

/** The root of a client: `client.v3...`, `client['v3/...']`, `client.chain('v3/...')`, `` client.chain`v3/...${id}` ``. */
export interface ClientRoot {
  chain(template: string): LooseNode;
  chain(strings: TemplateStringsArray, ...values: Array<string | number>): LooseNode;
  /** Replaces the platform certificates/public keys used to verify answers (same checks as `Builder.factory`). */
  setCerts(certs: CertsInput): void;
}

export type WechatpayClient = ClientRoot & { readonly [segment: string]: LooseNode };

/** wechatpay-php's entry point: `Builder.factory(config)` returns a client for one merchant. */
export const Builder = {
  factory(config: ClientConfig): WechatpayClient {
    const loaded = loadConfig(config);
    const transport = createTransport(loaded);
    const node = createChain(transport.dispatch);
    const description = `[WechatpayClient mchid=${loaded.merchant.mchid}]`;

    const chain = (first: string | TemplateStringsArray, ...values: unknown[]): unknown => {
      if (typeof first === 'string') return node(first);
      if (Array.isArray(first) && 'raw' in first) return node(taggedTemplate(first, values));
      throw new TypeError('client.chain() takes a URI template string, or is used as a tagged template');
    };
    const members: Record<string | symbol, unknown> = {
      chain,
      setCerts: (certs: CertsInput) => transport.setCerts(certs),
      then: undefined,
      toJSON: () => ({ mchid: loaded.merchant.mchid, serial: loaded.merchant.serial }),
      toString: () => description,
      inspect: () => description,
      [inspect.custom]: () => description,
      [Symbol.toPrimitive]: () => description,
      [Symbol.toStringTag]: 'WechatpayClient',
    };

    // util.inspect shows a Proxy's target without running its traps, so the target describes itself.
    const target = Object.defineProperty(Object.create(null) as object, inspect.custom, { value: () => description });
    return new Proxy(target, {
      get(_target, property) {
        if (Object.hasOwn(members, property)) return members[property];
        if (typeof property === 'symbol') return undefined;
        return node(normalizeProperty(property));
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    }) as WechatpayClient;
  },
};
