import type { Paths, Tree } from './generated/index.js';
import type { LooseNode } from './core/endpoint-types.js';

export type { Paths, Tree };
export type {
  HttpVerb,
  AsyncVerb,
  WechatpayResponse,
  HeadersInit,
  MultipartLike,
  TransportOptions,
  PayloadOptions,
  LooseOptions,
  LooseVerbs,
  LooseNode,
  Operation,
  OperationCall,
  EndpointVerbs,
  TypedOptions,
  TypedOptionsV2,
  DynamicSegment,
  V2Media,
  Sink,
  SinkFile,
  SinkCall,
  SinkData,
} from './core/endpoint-types.js';

/** `client.chain(...)`: a known template is typed; any other string is the untyped escape hatch. */
export interface ChainFunction {
  <P extends keyof Paths>(template: P): Paths[P];
  (template: string): LooseNode;
  (strings: TemplateStringsArray, ...values: Array<string | number>): LooseNode;
}

/** The client `Builder.factory(config)` returns: the property chain, `client['v3/...']` and `client.chain('v3/...')`. */
export type WechatpayClient = Tree & { readonly [P in keyof Paths]: Paths[P] } & { chain: ChainFunction };
