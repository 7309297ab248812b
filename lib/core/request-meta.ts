import type { AxiosRequestConfig } from 'axios';
import { RequestError } from '../errors.js';

/** How a response to this request is checked (docs/protocol.md#apiv3-response-verification). */
export type ResponseRule = 'signed' | 'unsigned-download' | 'statement';

/** What the client tells its interceptors about one request, carried in the axios config. */
export interface RequestMeta {
  /** The URI template the call was made with. */
  template: string;
  /** The JSON body, serialised once by the signer. */
  json?: unknown;
  /** A media upload's meta JSON: the signed body in place of the multipart bytes. */
  multipartMeta?: string;
  rule: ResponseRule;
  /** The caller's own response transforms, applied to `data` after verification. */
  transformResponse?: Array<(data: unknown, headers: unknown, status?: number) => unknown>;
  /** The caller's own status check: a non-2xx status it accepts resolves instead of throwing. */
  validateStatus?: (status: number) => boolean;
  /** APIv2: the payload to sign, and what the API description says of the endpoint. */
  v2?: { xml: Record<string, unknown>; nonceless: boolean; get: boolean; unsigned: boolean };
}

const KEY = 'wechatpay';

/** A class instance, not a plain object: axios deep-copies plain objects of a config on every request. */
class CarriedMeta {
  constructor(readonly meta: RequestMeta) {}
}

export function withMeta<T extends AxiosRequestConfig>(config: T, meta: RequestMeta): T {
  return Object.assign(config, { [KEY]: new CarriedMeta(meta) });
}

/** The request's meta; its absence means the request did not come from a client of this SDK. */
export function requestMeta(config: AxiosRequestConfig): RequestMeta {
  const carried = (config as Record<string, unknown>)[KEY];
  const meta = carried instanceof CarriedMeta ? carried.meta : undefined;
  if (!meta) {
    throw new RequestError('EREQUEST_OPTIONS', 'This request was not built by a wechatpay-chain client and will not be signed');
  }
  return meta;
}
