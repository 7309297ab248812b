import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, type AxiosResponseHeaders, type CreateAxiosDefaults } from 'axios';
import type { HttpVerb } from '../types.js';
import { toSdkError, type Exchange } from '../util/exchange.js';
import { headerOf } from '../util/headers.js';
import { createV2Signer } from '../v2/signer.js';
import { createV2Verifier } from '../v2/verifier.js';
import { createV3Signer } from '../v3/signer.js';
import { createV3Verifier } from '../v3/verifier.js';
import { DEFAULT_TIMEOUT, type LoadedConfig } from './config.js';
import { errorAfterHooks, installAfterResponse, installBeforeRequest, type HookLists } from './hooks.js';
import { checkOptions, stringHeaders } from './options.js';
import type { PlatformKeySource } from './platform-keys.js';
import { OWNED_SETTINGS, prepareV2, prepareV3, type CallExtras, type PrepareContext, type PreparedCall } from './prepare.js';
import { guardedAdapterFor } from './send.js';
import { AnnouncedHashes, sinkAnswer, STATEMENT_SHA1 } from './sink.js';
import { userAgent } from './user-agent.js';

/** One merchant's HTTP side: a call in, a verified answer out. */
export interface Transport {
  /** `extras` are for the SDK's own calls (the certificate download), which do not wait for the platform keys. */
  dispatch(verb: HttpVerb, template: string, options: unknown, route?: string, extras?: CallExtras): Promise<AxiosResponse>;
}

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
 * With automatic certificates (core/auto-certificates.ts), an APIv3 call first waits for the platform keys
 * (one download for all the calls that start at once), and step 6 looks up a serial it does not know.
 *      (or, given a `sink`, stream the answer to it, checked on the way: core/sink.ts sinkAnswer)
 */
export function createTransport(config: LoadedConfig, keys: PlatformKeySource, platformSerialFor: (body: string) => string | undefined): Transport {
  const hooks = config.hooks;
  const defaults: CreateAxiosDefaults = {
    timeout: DEFAULT_TIMEOUT,
    maxRedirects: 0,
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
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
    tlsAgent: () => (tlsAgent ??= new https.Agent({ keepAlive: true, secureContext: config.tls })),
  };

  const v3 = protocolInstance(defaults, config, hooks,
    createV3Signer(config.credentials),
    createV3Verifier({
      keys: () => keys.current().byId,
      maxClockOffset: config.maxClockOffset,
      ...(keys.lookUp ? { lookUp: (serial: string) => keys.lookUp!(serial) } : {}),
    }));
  const announced = new AnnouncedHashes();
  let v2: AxiosInstance | undefined;
  const v2Instance = (secret: string): AxiosInstance => (v2 ??= protocolInstance(defaults, config, hooks,
    createV2Signer({ mchid: config.credentials.mchid, secret }),
    createV2Verifier({ secret })));

  return {
    async dispatch(verb, template, rawOptions, route = template, extras = {}) {
      let call: PreparedCall | undefined;
      try {
        const options = checkOptions(template, rawOptions);
        if (/^\/*v2\//.test(template)) {
          call = await prepareV2(verb, template, options, context, route);
          return await finish(await v2Instance(config.secret!).request(call.request), call, announced);
        }
        // The platform keys come before the first call that needs them (automatic certificates).
        if (!extras.answerKeys) await keys.ready?.();
        call = await prepareV3(verb, template, options, context, route, extras);
        return await finish(await v3.request(call.request), call, announced);
      } catch (error) {
        throw await errorAfterHooks(toSdkError(error), call?.exchange as Exchange | undefined, hooks);
      } finally {
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
): AxiosInstance {
  const instance = axios.create(defaults);
  // Every request carries its complete headers; axios's per-method default headers would only be deep-copied each time.
  instance.defaults.headers = {} as typeof instance.defaults.headers;
  for (const key of UNUSED_DEFAULTS) {
    if (config.axios[key] === undefined) Reflect.deleteProperty(instance.defaults, key);
  }
  installBeforeRequest(instance, hooks);
  instance.interceptors.request.use(sign, undefined, { synchronous: true });
  instance.interceptors.response.use(verify);
  installAfterResponse(instance, hooks);
  return instance;
}

/**
 * The verified answer handed over: streamed to the call's `sink` (checked against what was announced for
 * it), or its data through the caller's `transformResponse`. A verified APIv3 answer announcing a download's
 * hash (a bill's `hash_value`) is remembered for that download.
 */
async function finish(response: AxiosResponse, call: PreparedCall, announced: AnnouncedHashes): Promise<AxiosResponse> {
  const { exchange } = call;
  const ok = response.status >= 200 && response.status < 300;
  if (call.sink && ok) {
    const statement = exchange.protocol === 'v3' && exchange.rule === 'statement';
    return sinkAnswer(response, call.sink, {
      ...(statement ? { statementSha1: headerOf(response.headers, STATEMENT_SHA1) ?? '' } : {}),
      ...(exchange.protocol === 'v3' ? { announced: announced.lookup(response.config.url) } : {}),
    }, call.request.signal as AbortSignal | undefined);
  }
  if (exchange.protocol === 'v3' && exchange.rule === 'signed' && ok) announced.remember(response.data);
  let data: unknown = response.data;
  for (const transform of call.transformResponse) data = transform.call(response.config, data, response.headers as AxiosResponseHeaders, response.status);
  response.data = data;
  return response;
}
