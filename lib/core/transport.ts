import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse, type AxiosResponseHeaders, type CreateAxiosDefaults, type InternalAxiosRequestConfig } from 'axios';
import type { Attempt, WechatpayError } from '../errors.js';
import type { HttpVerb, WechatpayResponse } from '../types.js';
import { toSdkError } from '../util/exchange.js';
import { headerOf } from '../util/headers.js';
import { createV2Signer } from '../v2/signer.js';
import { createV2Verifier } from '../v2/verifier.js';
import { createV3Signer } from '../v3/signer.js';
import { createV3Verifier, WECHATPAY_STATEMENT_SHA1 } from '../v3/verifier.js';
import { callOf, type Call } from './call.js';
import { cleanHeaders } from './clean-headers.js';
import type { LoadedConfig } from './config.js';
import { Deadline } from './deadline.js';
import { errorAfterHooks, hasHooks, hookRequest, runAfterResponse, runBeforeRequest, runBeforeRetry, type HookLists } from './hooks.js';
import { withAttempts, type AttemptPlan, type RetryInfo } from './attempts.js';
import { HostSelector } from './hosts.js';
import { withConnectTimeout } from './connect-timeout.js';
import { checkRetry, DEFAULT_RETRY, type RetrySettings, type RetryTarget } from './retry.js';
import { startCallSpan, type CallSpan } from './telemetry.js';
import { RequestError } from '../errors.js';
import { checkOptions, type RequestOptions } from './options.js';
import { checkTemplate } from './uri.js';
import type { PlatformKeySource } from '../v3/platform-keys.js';
import { signableOrigins } from './origins.js';
import { OWNED_KEYS, prepareV2, prepareV3, type CallExtras, type PrepareContext } from './prepare.js';
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
 * The settings the SDK owns (core/prepare.ts OWNED_SETTINGS), axios's idle `timeout` and its default headers, whose
 * absence axios reads as the SDK's value: no transform, every status settled as an answer, the answer's body as the
 * adapter gives it (the send step asks for a stream; core/receive.ts reads it), absolute URLs, no base URL, no idle
 * timer, no per-method headers. Absent from the instance, they are not copied into every request's config nor
 * re-checked there.
 */
const ABSENT_AS_OWNED = [...OWNED_KEYS, 'timeout', 'headers'] as const;

/**
 * The request path. One call runs these steps, in this order, all within the call's deadline (core/deadline.ts:
 * `timeout`, the caller's `signal`); the code below runs them in the same order:
 *   1. check      the template and the options                   core/uri.ts checkTemplate, core/options.ts checkOptions
 *   2. prepare    URL, headers, body bytes: the call's state      core/prepare.ts prepareV3 | prepareV2 -> core/call.ts Call
 *      the attempts, each as below, where and when the retry policy says (core/attempts.ts withAttempts,
 *      core/retry.ts, core/hosts.ts: the backup host), each recorded; one attempt (attempt(), below):
 *   3. sign       the request interceptor, first                  v3/signer.ts signV3Request | v2/signer.ts signV2Request
 *   4. hooks      the caller's beforeRequest hooks                core/hooks.ts runBeforeRequest
 *   5. send       exactly what was signed (the adapter)           core/send.ts sendAsSigned
 *   6. receive    a bounded answer, or a stream                   core/receive.ts receive
 *   7. verify     the response interceptor, first                 v3/verifier.ts verifyV3Answer | v2/verifier.ts verifyV2Answer
 *   8. hooks      the caller's afterResponse hooks                core/hooks.ts runAfterResponse
 *   9. finish     the caller's transformResponse, or the sink     finish(), below; core/sink.ts sinkAnswer
 *   an error      through the caller's beforeError hooks          core/hooks.ts errorAfterHooks
 * Each protocol's axios instance has exactly one request interceptor (steps 3 and 4: {@link signStep}) and one
 * response interceptor (7 and 8: {@link verifyStep}), so the order is this code's, not that of installation.
 * The call's state is one object, the {@link Call}, which its request config carries through axios.
 * When the application has `@opentelemetry/api`, the call is a span, each attempt an event of it (core/telemetry.ts).
 * With automatic certificates (core/auto-certificates.ts), an APIv3 call first waits for the platform keys
 * (one download for all the calls that start at once), and step 7 looks up a serial it does not know.
 */
export function createTransport(config: LoadedConfig, keys: PlatformKeySource, platformSerialFor: (body: string) => string | undefined): Transport {
  const hooks = config.hooks;
  const defaults: CreateAxiosDefaults = {
    maxRedirects: MAX_REDIRECTS,
    httpAgent: withConnectTimeout(new http.Agent(KEEP_ALIVE), config.connectTimeout),
    httpsAgent: withConnectTimeout(new https.Agent(KEEP_ALIVE), config.connectTimeout),
    ...config.axios,
    adapter: guardedAdapterFor(config.axios.adapter),
  };
  let tlsAgent: https.Agent | undefined;
  const context: PrepareContext = {
    config,
    userAgent: userAgent(),
    defaultHeaders: config.headers,
    platformSerialFor,
    origins: signableOrigins(config),
    tlsAgent: () => (tlsAgent ??= withConnectTimeout(new https.Agent({ ...KEEP_ALIVE, secureContext: config.tls }), config.connectTimeout)),
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
  // The client's primary and backup hosts, and its failover window: per client, never global.
  const hosts = new HostSelector(config.baseURL, config.backupBaseURL);
  let v2: AxiosInstance | undefined;
  const v2Instance = (secret: string): AxiosInstance => (v2 ??= protocolInstance(defaults, config, hooks,
    createV2Signer({ mchid: config.credentials.mchid, secret }),
    createV2Verifier({ secret }), { synchronous: true }));

  return {
    async dispatch(verb, template, rawOptions, route = template, extras = {}) {
      let call: Call | undefined;
      let deadline: Deadline | undefined;
      let work: Promise<AxiosResponse> | undefined;
      const attempts: Attempt[] = [];
      const span = startCallSpan(verb.toUpperCase(), route);
      const started = performance.now();
      callsInFlight += 1;
      try {
        // 1. check
        checkTemplate(template);
        const options = checkOptions(template, rawOptions);
        deadline = deadlineOf(verb, template, options, config);
        const within = deadline;
        const retry = retryOf(template, options, config.retry);
        return await inSpan(span, () => within.race(() => work = (async () => {
          // 2. prepare (an APIv3 call once the platform keys are there)
          let instance: AxiosInstance;
          if (V2_TEMPLATE.test(template)) {
            call = await prepareV2(verb, template, options, context, within, route);
            instance = v2Instance(config.secret!);
          } else {
            const ready = extras.answerKeys ? undefined : keys.ready?.();
            if (ready) await ready;
            call = await prepareV3(verb, template, options, context, within, route, extras);
            instance = v3;
          }
          // 3.-8. the attempts
          const prepared = call;
          const plan = new CallPlan({ verb, route, mutualTls: prepared.exchange.protocol === 'v2' && prepared.exchange.mutualTls },
            retry, hosts, span, attempts, within, started, prepared, hooks);
          const { response: answer } = await withAttempts(plan, prepared.request.url ?? '', (url) => attempt(instance, prepared, url));
          const response = within.settle(answer);
          (response as WechatpayResponse).attempts = attempts;
          // 9. finish
          return finish(response, prepared, announced, within);
        })()));
      } catch (error) {
        // A sink removes its temporary file as the deadline's abort reaches it: the call ends once it has.
        if (call?.sink && work) await Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SINK_CLEAN_UP_MS).unref())]);
        const failure = deadline?.reason ?? toSdkError(error);
        if (attempts.length > 0) failure.attempts ??= attempts;
        const final = await errorAfterHooks(failure, call?.hookRequest, hooks);
        span?.end(attempts, final);
        throw final;
      } finally {
        if (span && !span.ended) span.end(attempts);
        callsInFlight -= 1;
        call?.release?.();
        deadline?.finish();
      }
    },
  };
}

/** `work`, within the call's span when it has one. */
function inSpan<T>(span: CallSpan | undefined, work: () => T): T {
  return span ? span.run(work) : work();
}

/**
 * What the attempt loop needs of a call (core/attempts.ts), read only when an attempt fails: its methods are
 * the class's, so a call that succeeds at once makes no closure for them, and no AbortSignal.
 */
class CallPlan implements AttemptPlan {
  constructor(
    readonly target: RetryTarget,
    readonly retry: RetrySettings,
    readonly hosts: HostSelector,
    readonly span: CallSpan | undefined,
    readonly attempts: Attempt[],
    readonly deadline: Deadline,
    readonly started: number,
    readonly call: Call,
    readonly hooks: HookLists,
  ) {}

  get signal(): AbortSignal {
    return this.deadline.signal;
  }

  remaining(): number {
    const { timeout } = this.deadline;
    return timeout > 0 ? timeout - (performance.now() - this.started) : Infinity;
  }

  replayable(): boolean {
    const { request, exchange } = this.call;
    return !(request.data instanceof Readable) && !(exchange.protocol === 'v2' && exchange.upload);
  }

  beforeRetry(failure: WechatpayError, next: RetryInfo): Promise<void> {
    return runBeforeRetry(this.hooks, failure, this.call.hookRequest, next);
  }
}

/** A template of the APIv2 (XML) protocol. */
const V2_TEMPLATE = /^\/*v2\//;

/**
 * One attempt of a call, at `url` (the prepared one, or the same on the backup host): 3. sign, 4. beforeRequest
 * hooks ({@link signStep}), 5. send, 6. receive (the guarded adapter), 7. verify, 8. afterResponse hooks
 * ({@link verifyStep}); each attempt signs anew (a new nonce and timestamp) over the call's body bytes. Resolves
 * with the verified answer (or one the caller's `validateStatus` accepts); rejects with the SDK's error.
 */
function attempt(instance: AxiosInstance, call: Call, url: string): Promise<AxiosResponse> {
  const request = url === call.request.url ? call.request : { ...call.request, url };
  return instance.request(request).catch((error: unknown) => {
    throw toSdkError(error);
  });
}

/** The retry settings of a call: its own `retry` (checked, over the client's), else the client's. */
function retryOf(template: string, options: RequestOptions, client: RetrySettings): RetrySettings {
  const given = options['retry'];
  if (given === undefined) return client;
  return checkRetry(given, (problem) => new RequestError('EREQUEST_OPTIONS', `${template}: retry ${problem}`), client.retries === 0 ? DEFAULT_RETRY : client);
}

type Signer = (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig>;
type Verifier = (response: AxiosResponse) => AxiosResponse | Promise<AxiosResponse>;

/**
 * The request interceptor: the call's headers put on axios's header object, 3. sign, then 4. the beforeRequest
 * hooks see the signed request (a client without hooks: signing only). The headers are the call's, merged once
 * when it was prepared (core/prepare.ts); given to axios in the request config they would be copied and
 * re-checked header by header on every request.
 */
function signStep(sign: Signer, hooks: HookLists): Signer {
  if (!hasHooks(hooks)) return (config) => sign(withCallHeaders(config));
  return async (config) => {
    const signed = await sign(withCallHeaders(config));
    const call = callOf(signed);
    // The call's hooks see the request of its latest attempt, timed from its first.
    call.hookRequest = hookRequest(signed, call.exchange.route, call.hookRequest?.startedAt ?? performance.now(), (call.hookRequest?.attempt ?? 0) + 1);
    await runBeforeRequest(hooks, call.hookRequest);
    return signed;
  };
}

/**
 * `config` with its call's headers, set as AxiosHeaders keeps them (own properties, by the names given): as
 * {@link CleanHeaders} when axios brought none of its own (the instances have no default headers), else merged
 * into axios's by `set()`, case-insensitively.
 */
function withCallHeaders(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
  const { headers } = callOf(config);
  if (isEmpty(config.headers)) config.headers = cleanHeaders(headers);
  else config.headers.set(headers);
  return config;
}

function isEmpty(headers: object): boolean {
  for (const _name in headers) return false;
  return true;
}

/** The response interceptor: 7. verify, then 8. the afterResponse hooks see the verified answer (without such hooks: verifying only). */
function verifyStep(verify: Verifier, hooks: HookLists): Verifier {
  if (hooks.afterResponse.length === 0) return verify;
  return async (response) => {
    const verified = await verify(response);
    await runAfterResponse(hooks, verified, callOf(verified.config).hookRequest!);
    return verified;
  };
}

/** The deadline of one call: its `timeout` (else the client's) from now, and the caller's `signal` or `cancelToken`. */
function deadlineOf(verb: HttpVerb, template: string, options: RequestOptions, config: LoadedConfig): Deadline {
  const timeout = (options['timeout'] as number | undefined) ?? config.timeout;
  return new Deadline(timeout, { method: verb.toUpperCase(), template }, options['signal'] as AbortSignal | undefined,
    options['cancelToken'] as ConstructorParameters<typeof Deadline>[3]);
}

/** A protocol's axios instance: its two steps, {@link signStep} and {@link verifyStep}, as its only interceptors. */
function protocolInstance(
  defaults: CreateAxiosDefaults,
  config: LoadedConfig,
  hooks: HookLists,
  sign: Signer,
  verify: Verifier,
  signing: { synchronous: boolean } = { synchronous: false },
): AxiosInstance {
  const instance = axios.create(defaults);
  // Every request carries its complete headers (the Call's); axios's per-method defaults would only be deep-copied.
  for (const key of ABSENT_AS_OWNED) Reflect.deleteProperty(instance.defaults, key);
  for (const key of UNUSED_DEFAULTS) {
    if (config.axios[key] === undefined) Reflect.deleteProperty(instance.defaults, key);
  }
  instance.interceptors.request.use(signStep(sign, hooks), undefined, { synchronous: signing.synchronous && !hasHooks(hooks) });
  instance.interceptors.response.use(verifyStep(verify, hooks));
  return instance;
}

/**
 * The verified answer handed over: streamed to the call's `sink` (checked against what was announced for
 * it), or its data through the caller's `transformResponse`. A verified APIv3 answer announcing a download's
 * hash (a bill's `hash_value`) is remembered for that download.
 */
function finish(response: AxiosResponse, call: Call, announced: AnnouncedHashes, deadline: Deadline): AxiosResponse | Promise<AxiosResponse> {
  const { exchange } = call;
  const ok = response.status >= 200 && response.status < 300;
  if (call.sink && ok) {
    const statement = exchange.protocol === 'v3' && exchange.rule === 'statement';
    return sinkAnswer(response, call.sink, {
      ...(statement ? { statementSha1: headerOf(response.headers, WECHATPAY_STATEMENT_SHA1) ?? '' } : {}),
      ...(exchange.protocol === 'v3' ? { announced: announced.lookup(response.config.url) } : {}),
    }, deadline.signal);
  }
  if (exchange.protocol === 'v3' && exchange.rule === 'signed' && ok) announced.remember(response.data);
  let data: unknown = response.data;
  for (const transform of call.transformResponse) data = transform.call(response.config, data, response.headers as AxiosResponseHeaders, response.status);
  response.data = data;
  return response;
}
