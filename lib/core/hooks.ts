import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { ConfigError, RequestError, WechatpayError } from '../errors.js';
import type { WechatpayResponse } from '../types.js';
import { exchangeOf, type Exchange } from '../util/exchange.js';
import { headerOwner } from './request-rules.js';

/** A request as a hook sees it: after signing, before it leaves. */
export interface HookRequest {
  /** `GET`, `POST`, ... */
  readonly method: string;
  /** The URL exactly as signed and sent. */
  readonly url: string;
  /**
   * The endpoint as the API description names it (`v3/pay/transactions/id/{transaction_id}`, also when the
   * id was written into the chain): a low-cardinality name for metrics and logs.
   */
  readonly template: string;
  /** `performance.now()` when the request was signed: `performance.now() - startedAt` is the call's duration. */
  readonly startedAt: number;
  /**
   * The request headers. A hook may add its own (a trace id): they are sent and not signed. The protocol's
   * headers (Authorization, Content-Type, Content-Length, Wechatpay-Serial, ...) are the SDK's and cannot be set.
   */
  readonly headers: HookHeaders;
}

export interface HookHeaders {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

/** Runs after the request is signed, before it is sent; it cannot change what was signed. */
export type BeforeRequestHook = (request: HookRequest) => void | Promise<void>;
/** Runs after the answer is verified (or accepted by your `validateStatus`), before `transformResponse`. */
export type AfterResponseHook = (response: WechatpayResponse, request: HookRequest) => void | Promise<void>;
/**
 * Runs for every error a call ends with (a refused option, a transport failure, an `ApiError`, a failed
 * verification); `request` is undefined when the call failed before it was signed. Return an error of the
 * SDK (a `WechatpayError`) to throw it instead, to add context; any other result throws the original.
 */
export type BeforeErrorHook = (error: WechatpayError, request: HookRequest | undefined) => unknown;

/** `Builder.factory({ hooks })`: functions called around every call of the client, in the order given. */
export interface Hooks {
  beforeRequest?: BeforeRequestHook | readonly BeforeRequestHook[];
  afterResponse?: AfterResponseHook | readonly AfterResponseHook[];
  beforeError?: BeforeErrorHook | readonly BeforeErrorHook[];
}

interface HookLists {
  beforeRequest: readonly BeforeRequestHook[];
  afterResponse: readonly AfterResponseHook[];
  beforeError: readonly BeforeErrorHook[];
}

/** The hook lists of a configuration, each checked to be functions. */
export function loadHooks(hooks: Hooks | undefined): HookLists {
  if (hooks === undefined) return { beforeRequest: [], afterResponse: [], beforeError: [] };
  if (typeof hooks !== 'object' || hooks === null) throw new ConfigError('hooks', 'must be an object of beforeRequest, afterResponse, beforeError');
  const list = <T>(name: keyof Hooks): T[] => {
    const value = hooks[name];
    const items = value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
    if (items.some((item) => typeof item !== 'function')) throw new ConfigError(`hooks.${name}`, 'must be a function or an array of functions');
    return items as T[];
  };
  for (const name of Object.keys(hooks)) {
    if (!['beforeRequest', 'afterResponse', 'beforeError'].includes(name)) {
      throw new ConfigError(`hooks.${name}`, 'is not a hook: the hooks are beforeRequest, afterResponse and beforeError');
    }
  }
  return { beforeRequest: list('beforeRequest'), afterResponse: list('afterResponse'), beforeError: list('beforeError') };
}

/** The request view of each call, shared by its hooks. */
const views = new WeakMap<Exchange, HookRequest>();

/** The request view of a signed axios config, made once per call. */
export function hookRequestOf(config: InternalAxiosRequestConfig): HookRequest {
  const exchange = exchangeOf(config);
  const made = views.get(exchange);
  if (made) return made;
  const headers = config.headers;
  const request: HookRequest = {
    method: (config.method ?? 'get').toUpperCase(),
    url: config.url ?? '',
    template: exchange.route,
    startedAt: performance.now(),
    headers: {
      get: (name) => {
        const value = headers.get(name);
        return value === undefined || value === null || value === false ? undefined : String(value);
      },
      set: (name, value) => {
        // After signing, every header the SDK owns is out of reach, the protocol ones included (core/request-rules.ts).
        if (headerOwner(name.toLowerCase()) !== undefined) {
          throw new RequestError('EREQUEST_HOOK', `A hook cannot set ${name}: it is the SDK's (signed or framing the signed body)`);
        }
        headers.set(name, String(value));
      },
    },
  };
  views.set(exchange, request);
  return request;
}

/**
 * Installs the hooks on a protocol's axios instance, around the signer and the verifier installed by the
 * caller: axios runs request interceptors in reverse order of installation and response interceptors in
 * order, so `installBeforeRequest` goes before the signer is installed and `installAfterResponse` after
 * the verifier.
 */
export function installBeforeRequest(instance: AxiosInstance, hooks: HookLists): void {
  if (hooks.beforeRequest.length + hooks.afterResponse.length + hooks.beforeError.length === 0) return;
  // Also without beforeRequest hooks: the view (and its startedAt) is made as the signed request leaves.
  instance.interceptors.request.use(async (config) => {
    const request = hookRequestOf(config);
    for (const hook of hooks.beforeRequest) await runHook(() => hook(request));
    return config;
  });
}

export function installAfterResponse(instance: AxiosInstance, hooks: HookLists): void {
  if (hooks.afterResponse.length === 0) return;
  instance.interceptors.response.use(async (response: AxiosResponse) => {
    const request = hookRequestOf(response.config);
    for (const hook of hooks.afterResponse) await runHook(() => hook(response, request));
    return response;
  });
}

/** The error a call ends with, after the beforeError hooks. */
export async function errorAfterHooks(error: WechatpayError, exchange: Exchange | undefined, hooks: HookLists): Promise<WechatpayError> {
  const request = exchange && views.get(exchange);
  let current = error;
  for (const hook of hooks.beforeError) {
    const replaced = await runHook(() => hook(current, request));
    if (replaced instanceof WechatpayError) current = replaced;
  }
  return current;
}

async function runHook<T>(hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (error) {
    if (error instanceof WechatpayError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new RequestError('EREQUEST_HOOK', `A hook threw: ${message}`, {}, { cause: error });
  }
}

export type { HookLists };
