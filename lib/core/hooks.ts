import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { ConfigError, RequestError, WechatpayError } from '../errors.js';
import type { RetryInfo } from './attempts.js';
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
  /** Which attempt of the call this request is: 1, then 2 for the first automatic retry (docs/resilience.md). */
  readonly attempt: number;
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
/**
 * Runs after the answer is verified (or accepted by your `validateStatus`), before `transformResponse`; per attempt
 * that got such an answer (the response's `attempts` are set once the call ends).
 */
export type AfterResponseHook = (response: AxiosResponse, request: HookRequest) => void | Promise<void>;
/**
 * Runs for every error a call ends with (a refused option, a transport failure, an `ApiError`, a failed
 * verification); `request` is undefined when the call failed before it was signed. Return an error of the
 * SDK (a `WechatpayError`) to throw it instead, to add context; any other result throws the original.
 */
export type BeforeErrorHook = (error: WechatpayError, request: HookRequest | undefined) => unknown;
/**
 * Runs before each automatic retry (docs/resilience.md), with the failure, the failed attempt's request and what
 * comes next (`attempt`, `delay`, `url`, `reason`, `attempts`). Throw to cancel the retry: the call ends with the
 * failure (or with the `WechatpayError` thrown).
 */
export type BeforeRetryHook = (error: WechatpayError, request: HookRequest | undefined, retry: RetryInfo) => void | Promise<void>;

/** `Builder.factory({ hooks })`: functions called around every call of the client, in the order given. */
export interface Hooks {
  beforeRequest?: BeforeRequestHook | readonly BeforeRequestHook[];
  afterResponse?: AfterResponseHook | readonly AfterResponseHook[];
  beforeError?: BeforeErrorHook | readonly BeforeErrorHook[];
  beforeRetry?: BeforeRetryHook | readonly BeforeRetryHook[];
}

interface HookLists {
  beforeRequest: readonly BeforeRequestHook[];
  afterResponse: readonly AfterResponseHook[];
  beforeError: readonly BeforeErrorHook[];
  beforeRetry: readonly BeforeRetryHook[];
}

const HOOK_NAMES: readonly string[] = ['beforeRequest', 'afterResponse', 'beforeError', 'beforeRetry'];

/** The hook lists of a configuration, each checked to be functions. */
export function loadHooks(hooks: Hooks | undefined): HookLists {
  if (hooks === undefined) return { beforeRequest: [], afterResponse: [], beforeError: [], beforeRetry: [] };
  if (typeof hooks !== 'object' || hooks === null) throw new ConfigError('hooks', 'must be an object of beforeRequest, afterResponse, beforeError, beforeRetry');
  const list = <T>(name: keyof Hooks): T[] => {
    const value = hooks[name];
    const items = value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
    if (items.some((item) => typeof item !== 'function')) throw new ConfigError(`hooks.${name}`, 'must be a function or an array of functions');
    return items as T[];
  };
  for (const name of Object.keys(hooks)) {
    if (!HOOK_NAMES.includes(name)) {
      throw new ConfigError(`hooks.${name}`, 'is not a hook: the hooks are beforeRequest, afterResponse, beforeError and beforeRetry');
    }
  }
  return { beforeRequest: list('beforeRequest'), afterResponse: list('afterResponse'), beforeError: list('beforeError'), beforeRetry: list('beforeRetry') };
}

/** Whether a client has any hook: without one, no request view is made. */
export function hasHooks(hooks: HookLists): boolean {
  return hooks.beforeRequest.length + hooks.afterResponse.length + hooks.beforeError.length + hooks.beforeRetry.length > 0;
}

/**
 * The request a call's hooks see, over the signed config about to leave: `startedAt` is the call's (its first
 * attempt's), the headers are this attempt's.
 */
export function hookRequest(config: InternalAxiosRequestConfig, template: string, startedAt: number, attempt = 1): HookRequest {
  const headers = config.headers;
  return {
    method: (config.method ?? 'get').toUpperCase(),
    url: config.url ?? '',
    template,
    startedAt,
    attempt,
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
}

/** The beforeRequest hooks, in order, on the signed request. */
export async function runBeforeRequest(hooks: HookLists, request: HookRequest): Promise<void> {
  for (const hook of hooks.beforeRequest) await runHook(() => hook(request));
}

/** The afterResponse hooks, in order, on the verified answer. */
export async function runAfterResponse(hooks: HookLists, response: AxiosResponse, request: HookRequest): Promise<void> {
  for (const hook of hooks.afterResponse) await runHook(() => hook(response, request));
}

/**
 * The beforeRetry hooks, in order, before a retry. What a hook throws is not wrapped: the retry loop
 * (core/attempts.ts) ends the call with a thrown `WechatpayError`, or with the failure for anything else.
 */
export async function runBeforeRetry(hooks: HookLists, error: WechatpayError, request: HookRequest | undefined, retry: RetryInfo): Promise<void> {
  for (const hook of hooks.beforeRetry) await hook(error, request, retry);
}

/** The error a call ends with, after the beforeError hooks (`request` undefined: the call failed before it was signed). */
export async function errorAfterHooks(error: WechatpayError, request: HookRequest | undefined, hooks: HookLists): Promise<WechatpayError> {
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
