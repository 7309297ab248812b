import type { AxiosRequestConfig, AxiosResponseTransformer } from 'axios';
import { RequestError } from '../errors.js';
import { carriedBy, carry, Carried, type Exchange } from '../util/exchange.js';
import type { HookRequest } from './hooks.js';
import type { SinkTarget } from './sink.js';

/**
 * One call's state, from its preparation to its end: the one object that travels with the request through
 * axios (its request config carries it: util/exchange.ts), read by every step of core/transport.ts. The
 * protocol layers see its {@link Exchange}; the rest is the client's.
 */
export class Call extends Carried {
  /** The request of the call's hooks, made when a signed request first leaves (only for a client with hooks). */
  hookRequest: HookRequest | undefined;

  constructor(
    /** The request config for the protocol's axios instance; it carries this call. */
    readonly request: AxiosRequestConfig,
    /** The request's headers (but `Authorization` and the framing), which the request interceptor puts on axios's header object. */
    readonly headers: Readonly<Record<string, string>>,
    exchange: Exchange,
    /** The caller's `transformResponse`, applied to `data` once the answer is verified. */
    readonly transformResponse: readonly AxiosResponseTransformer[],
    /** Frees what the call holds (an upload's file stream) when it ends, however it ends. */
    readonly release: (() => void) | undefined,
    /** Where the answer goes (`sink`), if anywhere but `data`. */
    readonly sink: SinkTarget | undefined,
  ) {
    super(exchange);
    carry(request, this);
  }
}

/** The call a request config of the client carries (see `carriedBy`). */
export function callOf(config: AxiosRequestConfig): Call {
  const call = carriedBy(config);
  if (!(call instanceof Call)) throw new RequestError('EREQUEST_OPTIONS', 'This request was not prepared by a wechatpay-chain client and will not be sent');
  return call;
}
