import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, type AxiosResponseHeaders, type CreateAxiosDefaults } from 'axios';
import type { HttpVerb } from '../types.js';
import { toSdkError, type Exchange } from '../util/exchange.js';
import { createV2Signer } from '../v2/signer.js';
import { createV2Verifier } from '../v2/verifier.js';
import { createV3Signer } from '../v3/signer.js';
import { createV3Verifier } from '../v3/verifier.js';
import { DEFAULT_TIMEOUT, type LoadedConfig } from './config.js';
import { errorAfterHooks, installAfterResponse, installBeforeRequest, type HookLists } from './hooks.js';
import { checkOptions, stringHeaders } from './options.js';
import type { TrustedPlatformKeys } from './platform-keys.js';
import { OWNED_SETTINGS, prepareV2, prepareV3, type PrepareContext, type PreparedCall } from './prepare.js';
import { guardedAdapterFor } from './send.js';
import { userAgent } from './user-agent.js';

/** One merchant's HTTP side: a call in, a verified answer out. */
export interface Transport {
  dispatch(verb: HttpVerb, template: string, options: unknown, route?: string): Promise<AxiosResponse>;
}

/**
 * Calls of every client of this process between dispatch and their end. When more than one is in flight,
 * the RSA work goes to libuv's thread pool so the event loop keeps moving the others' bytes; a lone call
 * signs and verifies inline (the hand-off would only add latency). See bench/throughput.ts.
 */
let callsInFlight = 0;
const offLoop = (): boolean => callsInFlight > 1;

/**
 * The agents' keep-alive probe delay matches the one axios sets on every request's socket (60 s): with
 * node's default (1 s) the two alternate, and each request paid two setsockopt calls to switch them.
 */
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 60_000 } as const;

/** axios defaults the SDK has no use for; axios copies (and for `transitional` re-validates) each on every request. */
const UNUSED_DEFAULTS = ['transitional', 'env', 'xsrfCookieName', 'xsrfHeaderName', 'maxContentLength', 'maxBodyLength'] as const;

/**
 * One call, in order:
 *   1. check the options                      core/options.ts   checkOptions
 *   2. prepare URL, headers, body bytes       core/prepare.ts   prepareV3 | prepareV2
 *   3. sign (request interceptor)             v3/signer.ts      signV3Request | v2/signer.ts signV2Request
 *   4. the caller's beforeRequest hooks       core/hooks.ts     installBeforeRequest
 *   5. send exactly what was signed           core/send.ts      sendAsSigned (the adapter)
 *   6. verify (response interceptor)          v3/verifier.ts    verifyV3Answer | v2/verifier.ts verifyV2Answer
 *   7. the caller's afterResponse hooks       core/hooks.ts     installAfterResponse
 *   8. finish: the caller's transformResponse core/transport.ts finish; errors through beforeError hooks
 */
export function createTransport(config: LoadedConfig, keys: TrustedPlatformKeys, platformSerialFor: (body: string) => string | undefined): Transport {
  const hooks = config.hooks;
  const defaults: CreateAxiosDefaults = {
    timeout: DEFAULT_TIMEOUT,
    maxRedirects: 0,
    httpAgent: new http.Agent(KEEP_ALIVE),
    httpsAgent: new https.Agent(KEEP_ALIVE),
    ...config.axios,
    ...OWNED_SETTINGS,
    adapter: guardedAdapterFor(config.axios.adapter),
  };
  let tlsAgent: https.Agent | undefined;
  const context: PrepareContext = {
    config,
    userAgent: userAgent(),
    defaultHeaders: stringHeaders(config.headers),
    platformSerialFor,
    tlsAgent: () => (tlsAgent ??= new https.Agent({ ...KEEP_ALIVE, secureContext: config.tls })),
  };

  const v3 = protocolInstance(defaults, config, hooks,
    createV3Signer(config.credentials, offLoop),
    createV3Verifier({ keys: () => keys.current().byId, maxClockOffset: config.maxClockOffset, offLoop }));
  let v2: AxiosInstance | undefined;
  const v2Instance = (secret: string): AxiosInstance => (v2 ??= protocolInstance(defaults, config, hooks,
    createV2Signer({ mchid: config.credentials.mchid, secret }),
    createV2Verifier({ secret }), { synchronous: true }));

  return {
    async dispatch(verb, template, rawOptions, route = template) {
      let call: PreparedCall | undefined;
      callsInFlight += 1;
      try {
        const options = checkOptions(template, rawOptions);
        if (/^\/*v2\//.test(template)) {
          call = prepareV2(verb, template, options, context, route);
          return finish(await v2Instance(config.secret!).request(call.request), call);
        }
        call = await prepareV3(verb, template, options, context, route);
        return finish(await v3.request(call.request), call);
      } catch (error) {
        throw await errorAfterHooks(toSdkError(error), call?.exchange as Exchange | undefined, hooks);
      } finally {
        callsInFlight -= 1;
        call?.release?.();
      }
    },
  };
}

/**
 * A protocol's axios instance: its signer as the request interceptor and its verifier as the response
 * interceptor, with the caller's hooks on the outside of both (axios runs request interceptors last
 * installed first, response interceptors in order).
 */
function protocolInstance(
  defaults: CreateAxiosDefaults,
  config: LoadedConfig,
  hooks: HookLists,
  sign: Parameters<AxiosInstance['interceptors']['request']['use']>[0],
  verify: Parameters<AxiosInstance['interceptors']['response']['use']>[0],
  signing: { synchronous: boolean } = { synchronous: false },
): AxiosInstance {
  const instance = axios.create(defaults);
  // Every request carries its complete headers; axios's per-method default headers would only be deep-copied each time.
  instance.defaults.headers = {} as typeof instance.defaults.headers;
  for (const key of UNUSED_DEFAULTS) {
    if (config.axios[key] === undefined) Reflect.deleteProperty(instance.defaults, key);
  }
  installBeforeRequest(instance, hooks);
  instance.interceptors.request.use(sign, undefined, signing);
  instance.interceptors.response.use(verify);
  installAfterResponse(instance, hooks);
  return instance;
}

/** The caller's `transformResponse`, applied to the verified data. */
function finish(response: AxiosResponse, call: PreparedCall): AxiosResponse {
  let data: unknown = response.data;
  for (const transform of call.transformResponse) data = transform.call(response.config, data, response.headers as AxiosResponseHeaders, response.status);
  response.data = data;
  return response;
}
