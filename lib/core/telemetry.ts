/**
 * OpenTelemetry, when the application has `@opentelemetry/api` (an optional peer dependency): each call is a
 * client span named after its endpoint template (`POST v3/pay/transactions/native`), with the standard HTTP
 * client attributes, the platform's `Request-ID`, and one event per attempt. Without the package nothing is
 * loaded and nothing happens; with it but no SDK registered, a call costs one non-recording span.
 */
import { createRequire } from 'node:module';
import type { Attempt } from '../errors.js';
import { VERSION } from '../version.js';

/** The few parts of `@opentelemetry/api` used here (structural: the package is not needed to build). */
type Attributes = Record<string, string | number | boolean | undefined>;
interface OtelSpan {
  isRecording(): boolean;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setAttributes(attributes: Attributes): unknown;
  addEvent(name: string, attributes?: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface OtelContext {
  readonly __brand?: 'context';
}
interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): { startSpan(name: string, options?: { kind?: number; attributes?: Attributes }): OtelSpan };
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
  };
  context: {
    active(): OtelContext;
    with<T>(context: OtelContext, fn: () => T): T;
  };
}

const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/** The module's own location, in the CommonJS build (and tests) and in the ES module build alike. */
const here = typeof __filename === 'string' ? __filename : import.meta.url;

let api: OtelApi | null | undefined;
let tracer: ReturnType<OtelApi['trace']['getTracer']> | undefined;

/** `@opentelemetry/api` as the application has it, loaded on the first call; null when it is not installed. */
function otel(): OtelApi | null {
  if (api === undefined) {
    try {
      api = createRequire(here)('@opentelemetry/api') as OtelApi;
      tracer = api.trace.getTracer('wechatpay-chain', VERSION);
    } catch {
      api = null;
    }
  }
  return api;
}

/** A call's span, while it records (an SDK is registered and sampled it). */
export class CallSpan {
  readonly #api: OtelApi;
  readonly #span: OtelSpan;
  #server = false;
  #ended = false;

  constructor(otelApi: OtelApi, span: OtelSpan) {
    this.#api = otelApi;
    this.#span = span;
  }

  /** Runs `work` with this span as the active one: spans made inside (an HTTP instrumentation's) are its children. */
  run<T>(work: () => T): T {
    return this.#api.context.with(this.#api.trace.setSpan(this.#api.context.active(), this.#span), work);
  }

  /** An attempt ended (`index` 0 for the first). */
  attempt(index: number, facts: Attempt, errorType?: string): void {
    if (!this.#server) {
      this.#server = true;
      const url = safeURL(facts.url);
      if (url) this.#span.setAttributes({ 'server.address': url.hostname, 'server.port': portOf(url) });
    }
    this.#span.addEvent('wechatpay.attempt', {
      'http.request.resend_count': index,
      'url.full': withoutQuery(facts.url),
      'http.response.status_code': facts.status,
      'error.type': errorType,
      'wechatpay.request_id': facts.requestId,
      'wechatpay.code': facts.code,
      'wechatpay.attempt.duration_ms': facts.ms,
    });
  }

  /** Whether {@link end} ran. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The call ended: its last attempt's status and request id, or the error it ended with (once; later calls do nothing). */
  end(attempts: readonly Attempt[], error?: { code: string; message: string }): void {
    if (this.#ended) return;
    this.#ended = true;
    const last = attempts[attempts.length - 1];
    if (last) {
      const url = safeURL(last.url);
      if (url) this.#span.setAttributes({ 'server.address': url.hostname, 'server.port': portOf(url) });
      if (last.status !== undefined) this.#span.setAttribute('http.response.status_code', last.status);
      if (last.requestId !== undefined) this.#span.setAttribute('wechatpay.request_id', last.requestId);
      if (attempts.length > 1) this.#span.setAttribute('http.request.resend_count', attempts.length - 1);
    }
    if (error) {
      this.#span.setAttribute('error.type', error.code);
      this.#span.setStatus({ code: STATUS_ERROR, message: error.message.slice(0, 300) });
    }
    this.#span.end();
  }
}

/**
 * The span of a call of `method` to the endpoint `template` (its API description name), or undefined when
 * nothing records it (the API is not installed, no SDK is registered, or the call is not sampled).
 */
export function startCallSpan(method: string, template: string): CallSpan | undefined {
  const loaded = otel();
  if (loaded === null || tracer === undefined) return undefined;
  const span = tracer.startSpan(`${method} ${template}`, {
    kind: SPAN_KIND_CLIENT,
    attributes: { 'http.request.method': method, 'url.template': template },
  });
  if (!span.isRecording()) return undefined;
  return new CallSpan(loaded, span);
}

function safeURL(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** A URL without its query: the template says what was called; query values (order numbers) stay out of traces. */
function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}
