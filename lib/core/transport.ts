import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, type AxiosResponseHeaders, type CreateAxiosDefaults } from 'axios';
import type { HttpVerb } from '../types.js';
import { toSdkError, type Exchange } from '../util/exchange.js';
import { headerOf } from '../util/headers.js';
import { createV2Signer } from '../v2/signer.js';
import { createV2Verifier } from '../v2/verifier.js';
import { createV3Signer } from '../v3/signer.js';
import { createV3Verifier, WECHATPAY_STATEMENT_SHA1 } from '../v3/verifier.js';
import type { LoadedConfig } from './config.js';
import { Deadline } from './deadline.js';
import { errorAfterHooks, installAfterResponse, installBeforeRequest, type HookLists } from './hooks.js';
import { checkOptions, type RequestOptions } from './options.js';
import { checkTemplate } from './uri.js';
import type { PlatformKeySource } from './platform-keys.js';
import { OWNED_SETTINGS, prepareV2, prepareV3, type CallExtras, type PrepareContext, type PreparedCall } from './prepare.js';
import { MAX_REDIRECTS } from './request-rules.js';
import { guardedAdapterFor } from './send.js';
import { AnnouncedHashes, sinkAnswer } from './sink.js';
import { userAgent } from './user-agent.js';

/** One merchant's HTTP side: a call in, a verified answer out. */
export interface Transport {
  /** `extras` are for the SDK's own calls (the certificate download), which do not wait for the platform keys. */
  dispatch(verb: HttpVerb, template: string, options: unknown, route?: string, extras?: CallExtras): Promise<AxiosResponse>;
}

/** How long a failed call waits for its sink to remove a temporary file. */
const SINK_CLEAN_UP_MS = 5_000;

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
 * `timeout` closes a connection left idle for 30 s, or a second before the server's `Keep-Alive: timeout=N`
 * says it would (node reads that hint only when the agent has a timeout of its own): a request is not sent on a
 * connection the server is closing (an ECONNRESET the caller cannot safely retry). It is an idle timeout only:
 * node destroys a socket for it only while the socket is free, never under a request.
 */
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 60_000, timeout: 30_000 } as const;

/** axios defaults the SDK has no use for; axios copies (and for `transitional` re-validates) each on every request. */
const UNUSED_DEFAULTS = ['transitional', 'env', 'xsrfCookieName', 'xsrfHeaderName', 'maxContentLength', 'maxBodyLength'] as const;

/**
 * One call, in order, all of it within the call's deadline (core/deadline.ts: `timeout`, the caller's `signal`):
 *   1. check the options                      core/options.ts   checkOptions
 *   2. prepare URL, headers, body bytes       core/prepare.ts   prepareV3 | prepareV2
 *   3. sign (request interceptor)             v3/signer.ts      signV3Request | v2/signer.ts signV2Request
 *   4. the caller's beforeRequest hooks       core/hooks.ts     installBeforeRequest
 *   5. send exactly what was signed           core/send.ts      sendAsSigned (the adapter)
 *      and receive a bounded answer           core/receive.ts   receive
 *   6. verify (response interceptor)          v3/verifier.ts    verifyV3Answer | v2/verifier.ts verifyV2Answer
 *   7. the caller's afterResponse hooks       core/hooks.ts     installAfterResponse
 *   8. finish: the caller's transformResponse core/transport.ts finish; errors through beforeError hooks
 *      (or, given a `sink`, stream the answer to it, checked on the way: core/sink.ts sinkAnswer)
 * With automatic certificates (core/auto-certificates.ts), an APIv3 call first waits for the platform keys
 * (one download for all the calls that start at once), and step 6 looks up a serial it does not know.
 */
export function createTransport(config: LoadedConfig, keys: PlatformKeySource, platformSerialFor: (body: string) => string | undefined): Transport {
  const hooks = config.hooks;
  const defaults: CreateAxiosDefaults = {
    maxRedirects: MAX_REDIRECTS,
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
    defaultHeaders: config.headers,
    platformSerialFor,
    tlsAgent: () => (tlsAgent ??= new https.Agent({ ...KEEP_ALIVE, secureContext: config.tls })),
  };

  const v3 = protocolInstance(defaults, config, hooks,
    createV3Signer(config.credentials, offLoop),
    createV3Verifier({
      keys: () => keys.current().byId,
      maxClockOffset: config.maxClockOffset,
      offLoop,
      ...(keys.lookUp ? { lookUp: (serial: string) => keys.lookUp!(serial) } : {}),
    }));
  const announced = new AnnouncedHashes();
  let v2: AxiosInstance | undefined;
  const v2Instance = (secret: string): AxiosInstance => (v2 ??= protocolInstance(defaults, config, hooks,
    createV2Signer({ mchid: config.credentials.mchid, secret }),
    createV2Verifier({ secret }), { synchronous: true }));

  return {
    async dispatch(verb, template, rawOptions, route = template, extras = {}) {
      let call: PreparedCall | undefined;
      let deadline: Deadline | undefined;
      let work: Promise<AxiosResponse> | undefined;
      callsInFlight += 1;
      try {
        checkTemplate(template);
        const options = checkOptions(template, rawOptions);
        deadline = deadlineOf(verb, template, options, config);
        const within = deadline;
        return await within.race(() => work = (async () => {
          if (/^\/*v2\//.test(template)) {
            call = await prepareV2(verb, template, options, context, within, route);
            return await finish(within.settle(await v2Instance(config.secret!).request(call.request)), call, announced);
          }
          // The platform keys come before the first call that needs them (automatic certificates).
          if (!extras.answerKeys) await keys.ready?.();
          call = await prepareV3(verb, template, options, context, within, route, extras);
          return await finish(within.settle(await v3.request(call.request)), call, announced);
        })());
      } catch (error) {
        // A sink removes its temporary file as the deadline's abort reaches it: the call ends once it has.
        if (call?.sink && work) await Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SINK_CLEAN_UP_MS).unref())]);
        throw await errorAfterHooks(deadline?.reason ?? toSdkError(error), call?.exchange as Exchange | undefined, hooks);
      } finally {
        callsInFlight -= 1;
        call?.release?.();
        deadline?.finish();
      }
    },
  };
}

/** The deadline of one call: its `timeout` (else the client's) from now, and the caller's `signal` or `cancelToken`. */
function deadlineOf(verb: HttpVerb, template: string, options: RequestOptions, config: LoadedConfig): Deadline {
  const timeout = (options['timeout'] as number | undefined) ?? config.timeout;
  return new Deadline(timeout, { method: verb.toUpperCase(), template }, options['signal'] as AbortSignal | undefined,
    options['cancelToken'] as ConstructorParameters<typeof Deadline>[3]);
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
      ...(statement ? { statementSha1: headerOf(response.headers, WECHATPAY_STATEMENT_SHA1) ?? '' } : {}),
      ...(exchange.protocol === 'v3' ? { announced: announced.lookup(response.config.url) } : {}),
    }, call.request.signal as AbortSignal | undefined);
  }
  if (exchange.protocol === 'v3' && exchange.rule === 'signed' && ok) announced.remember(response.data);
  let data: unknown = response.data;
  for (const transform of call.transformResponse) data = transform.call(response.config, data, response.headers as AxiosResponseHeaders, response.status);
  response.data = data;
  return response;
}
