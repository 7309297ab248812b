/**
 * OpenTelemetry spans (core/telemetry.ts), with the real SDK and an in-memory exporter: a client span per call
 * named after the endpoint template, the standard HTTP client attributes, the platform's Request-ID, one event
 * per attempt, and the error. Without a registered SDK nothing records.
 */
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startCallSpan } from '../../lib/core/telemetry.js';
import { Builder } from '../../lib/index.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

type AnyClient = any;
let sandbox: Sandbox;
let client: AnyClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = Builder.factory(sandbox.config);
}, 30_000);
afterAll(() => sandbox.close());

describe('without a registered SDK', () => {
  it('nothing records: no span object is made for the call', async () => {
    expect(startCallSpan('POST', 'v3/pay/transactions/native')).toBeUndefined();
    expect((await client.v3.certificates.get()).status).toBe(200);
  });
});

describe('with the SDK registered', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncHooksContextManager();

  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('a call is a client span named after its template, with an event per attempt', () => {
    const span = startCallSpan('POST', 'v3/pay/transactions/native')!;
    expect(span).toBeDefined();
    span.attempt(0, { url: 'https://api.mch.weixin.qq.com/v3/pay/transactions/native', code: 'ECONNREFUSED', ms: 3 }, 'ECONNREFUSED');
    span.attempt(1, { url: 'https://api2.mch.weixin.qq.com/v3/pay/transactions/native', status: 200, requestId: '08ABC', ms: 12 });
    span.end([
      { url: 'https://api.mch.weixin.qq.com/v3/pay/transactions/native', code: 'ECONNREFUSED', ms: 3 },
      { url: 'https://api2.mch.weixin.qq.com/v3/pay/transactions/native', status: 200, requestId: '08ABC', ms: 12 },
    ]);
    const [finished] = exporter.getFinishedSpans();
    expect(finished).toMatchObject({
      name: 'POST v3/pay/transactions/native',
      kind: SpanKind.CLIENT,
      instrumentationScope: { name: 'wechatpay-chain' },
      attributes: {
        'http.request.method': 'POST',
        'url.template': 'v3/pay/transactions/native',
        'server.address': 'api2.mch.weixin.qq.com',
        'server.port': 443,
        'http.response.status_code': 200,
        'wechatpay.request_id': '08ABC',
        'http.request.resend_count': 1,
      },
    });
    expect(finished!.status.code).toBe(SpanStatusCode.UNSET);
    expect(finished!.events.map((event) => [event.name, event.attributes])).toEqual([
      ['wechatpay.attempt', expect.objectContaining({ 'http.request.resend_count': 0, 'error.type': 'ECONNREFUSED', 'url.full': 'https://api.mch.weixin.qq.com/v3/pay/transactions/native' })],
      ['wechatpay.attempt', expect.objectContaining({ 'http.request.resend_count': 1, 'http.response.status_code': 200, 'wechatpay.request_id': '08ABC' })],
    ]);
  });

  it('an error ends the span with error.type and an error status; query values stay out of the trace', () => {
    const span = startCallSpan('GET', 'v3/pay/transactions/out-trade-no/{out_trade_no}')!;
    const attempt = { url: 'http://127.0.0.1:8080/v3/pay/transactions/out-trade-no/T1?mchid=1900000001', status: 500, code: 'SYSTEM_ERROR', ms: 4 };
    span.attempt(0, attempt, 'SYSTEM_ERROR');
    span.end([attempt], { code: 'SYSTEM_ERROR', message: 'answered 500 SYSTEM_ERROR' });
    const [finished] = exporter.getFinishedSpans();
    expect(finished!.attributes).toMatchObject({ 'error.type': 'SYSTEM_ERROR', 'server.address': '127.0.0.1', 'server.port': 8080, 'http.response.status_code': 500 });
    expect(finished!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'answered 500 SYSTEM_ERROR' });
    expect(JSON.stringify(finished!.events)).not.toContain('mchid=');
  });

  it('a client call is a span: a retried attempt is an event, the answer\'s Request-ID an attribute', async () => {
    sandbox.faults.inject('server-error', 1, '/v3/pay/transactions/out-trade-no/');
    const response = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'NONE1', query: { mchid: sandbox.config.mchid } })
      .catch((error: { attempts: unknown[] }) => error);
    // The order does not exist: 500 SYSTEM_ERROR (retried), then 404 ORDER_NOT_EXIST (not retried).
    expect(response.attempts).toHaveLength(2);
    const [finished] = exporter.getFinishedSpans();
    const port = Number(new URL(sandbox.baseURL).port);
    expect(finished).toMatchObject({
      name: 'GET v3/pay/transactions/out-trade-no/{out_trade_no}',
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET', 'url.template': 'v3/pay/transactions/out-trade-no/{out_trade_no}', 'server.address': '127.0.0.1',
        'server.port': port, 'http.response.status_code': 404, 'error.type': 'ORDER_NOT_EXIST', 'http.request.resend_count': 1,
        'wechatpay.request_id': expect.stringMatching(/^08/),
      },
      status: { code: SpanStatusCode.ERROR },
    });
    expect(finished!.events.map((event) => [event.attributes!['http.request.resend_count'], event.attributes!['http.response.status_code'], event.attributes!['error.type']]))
      .toEqual([[0, 500, 'SYSTEM_ERROR'], [1, 404, 'ORDER_NOT_EXIST']]);
  });

  it('a successful call ends its span without an error', async () => {
    await client.v3.certificates.get();
    const [finished] = exporter.getFinishedSpans();
    expect(finished).toMatchObject({ name: 'GET v3/certificates', attributes: { 'http.response.status_code': 200 }, status: { code: SpanStatusCode.UNSET } });
    expect(finished!.events).toHaveLength(1);
    expect(finished!.ended).toBe(true);
  });

  it('work run in the span sees it as the active span (an HTTP instrumentation nests under it)', async () => {
    const span = startCallSpan('GET', 'v3/certificates')!;
    const inner = await span.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getActiveSpan();
    });
    span.end([]);
    const [finished] = exporter.getFinishedSpans();
    expect(inner?.spanContext().spanId).toBe(finished!.spanContext().spanId);
  });
});
