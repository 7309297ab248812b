/**
 * The notification handler's parts on their own: the once-only store (leases, TTL, bound, waiting), the
 * choice of handler by event type, and the handler's rules that the adapter suites
 * (spec/integration/notify-*.spec.ts) do not reach: unhandled events, a failing store, a store shared by
 * two handlers (two processes) without `settled`, the setup checks, and APIv2's `handlerV2`. Notifications
 * are the sandbox's, signed and encrypted by its own code, sent to `handler.node` on loopback.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder, ConfigError, type Client } from '../../lib/index.js';
import { dispatcher } from '../../lib/helpers/notification-dispatch.js';
import type { NotificationHandler } from '../../lib/helpers/notification-handler.js';
import { MemoryNotificationStore, MIN_NOTIFICATION_TTL_MS, type NotificationStore } from '../../lib/helpers/notification-store.js';
import { Transformer } from '../../lib/util/transformer.js';
import type { Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';
import { thrown } from '../support/thrown.js';

describe('MemoryNotificationStore', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('claims a free id once; a second claim is busy until the owner completes (done) or releases (free)', async () => {
    const store = new MemoryNotificationStore({ now: clock });
    expect(await store.claim('a', 'one', 1000)).toBe('claimed');
    expect(await store.claim('a', 'two', 1000)).toBe('busy');
    expect(await store.state('a')).toBe('busy');
    await store.release('a', 'two');
    expect(await store.state('a')).toBe('busy');
    await store.release('a', 'one');
    expect(await store.state('a')).toBe('free');
    expect(await store.claim('a', 'two', 1000)).toBe('claimed');
    await store.complete('a', MIN_NOTIFICATION_TTL_MS);
    expect(await store.claim('a', 'three', 1000)).toBe('done');
    await store.release('a', 'two');
    expect(await store.state('a')).toBe('done');
  });

  it('frees a lease that lapses (a crashed process) and forgets a done id after its TTL', async () => {
    const store = new MemoryNotificationStore({ now: clock });
    await store.claim('lease', 'crashed', 1000);
    now += 999;
    expect(await store.state('lease')).toBe('busy');
    now += 1;
    expect(await store.claim('lease', 'next', 1000)).toBe('claimed');
    await store.complete('lease', MIN_NOTIFICATION_TTL_MS);
    now += MIN_NOTIFICATION_TTL_MS - 1;
    expect(await store.state('lease')).toBe('done');
    now += 1;
    expect(await store.state('lease')).toBe('free');
  });

  it('stays within maxEntries, forgetting the oldest handled ids before any lease', async () => {
    const store = new MemoryNotificationStore({ maxEntries: 3, now: clock });
    await store.claim('held', 'x', 60_000);
    for (const id of ['d1', 'd2', 'd3']) {
      await store.claim(id, 'x', 60_000);
      await store.complete(id, MIN_NOTIFICATION_TTL_MS);
    }
    expect(store.size).toBe(3);
    expect(await Promise.all(['held', 'd1', 'd2', 'd3'].map((id) => store.state(id)))).toEqual(['busy', 'free', 'done', 'done']);
    expect(thrown(() => new MemoryNotificationStore({ maxEntries: 0 }))).toBeInstanceOf(RangeError);
  });

  it('settled() resolves when the holder completes or releases, and after its wait otherwise', async () => {
    const store = new MemoryNotificationStore();
    await store.claim('s', 'one', 60_000);
    const completed = store.settled('s', 60_000);
    await store.complete('s', MIN_NOTIFICATION_TTL_MS);
    expect(await completed).toBe('done');
    await store.claim('r', 'one', 60_000);
    const released = store.settled('r', 60_000);
    await store.release('r', 'one');
    expect(await released).toBe('free');
    await store.claim('w', 'one', 60_000);
    expect(await store.settled('w', 5)).toBe('busy');
  });
});

describe('the handler chosen for an event type', () => {
  const handlers = {
    'REFUND.SUCCESS': () => 'exact',
    'REFUND.*': () => 'prefix',
    'MCHTRANSFER.*': () => 'short',
    'MCHTRANSFER.BILL.*': () => 'long',
    '*': () => 'any',
  };
  const pick = dispatcher<unknown>(handlers);

  it('is the exact key, else the longest matching prefix, else *', () => {
    expect(['REFUND.SUCCESS', 'REFUND.CLOSED', 'MCHTRANSFER.BILL.FINISHED', 'MCHTRANSFER.OTHER', 'TRANSACTION.SUCCESS', 'REFUNDX']
      .map((type) => pick(type)?.(undefined))).toEqual(['exact', 'prefix', 'long', 'short', 'any', 'any']);
    expect(dispatcher<unknown>({ 'REFUND.*': () => 1 })('TRANSACTION.SUCCESS')).toBeUndefined();
  });

  it('refuses keys that are neither event types, prefixes nor *, and values that are not functions (at setup)', () => {
    for (const key of ['REFUND*', '*.SUCCESS', '', 'A.*.*']) expect(thrown(() => dispatcher({ [key]: () => 1 }))).toBeInstanceOf(ConfigError);
    expect(thrown(() => dispatcher({ 'REFUND.SUCCESS': 'x' }))).toBeInstanceOf(ConfigError);
    expect(thrown(() => dispatcher(null as unknown as object))).toBeInstanceOf(ConfigError);
  });
});

let sandbox: Sandbox;
let client: Client;
withSandbox((s, c) => {
  sandbox = s;
  client = c;
});

/** Serves `handler.node` on loopback for the block's tests. */
async function served(handler: NotificationHandler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => void handler.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`, server };
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('client.notification.handler', () => {
  it('acknowledges an event type no key matches and reports it to onUnhandled; the most specific key runs', async () => {
    const seen: string[] = [];
    const { url, server } = await served(client.notification.handler({
      'REFUND.*': (event) => {
        seen.push(`prefix ${event.event_type}`);
      },
      'REFUND.SUCCESS': (event) => {
        seen.push(`exact ${event.resource.out_refund_no}`);
      },
    }, { onUnhandled: (event) => seen.push(`unhandled ${event.event_type}`) }));
    try {
      const coupon = await sandbox.notify(url, { event_type: 'COUPON.USE', resource: { stock_id: '1' }, original_type: 'coupon' });
      const refund = await sandbox.notify(url, { event_type: 'REFUND.SUCCESS', resource: { out_refund_no: 'R1' } });
      const closed = await sandbox.notify(url, { event_type: 'REFUND.CLOSED', resource: { out_refund_no: 'R2' } });
      expect([coupon.status, refund.status, closed.status]).toEqual([204, 204, 204]);
      expect(seen).toEqual(['unhandled COUPON.USE', 'exact R1', 'prefix REFUND.CLOSED']);
    } finally {
      await close(server);
    }
  });

  it('answers 503 when the store fails to claim, and still 2xx when only recording a success fails', async () => {
    const failing = (what: 'claim' | 'complete'): NotificationStore => {
      const inner = new MemoryNotificationStore();
      return {
        claim: (...args) => (what === 'claim' ? Promise.reject(new Error('store down')) : inner.claim(...args)),
        complete: (...args) => (what === 'complete' ? Promise.reject(new Error('store down')) : inner.complete(...args)),
        release: (...args) => inner.release(...args),
        state: (...args) => inner.state(...args),
      };
    };
    const runs: string[] = [];
    const stages: string[] = [];
    for (const what of ['claim', 'complete'] as const) {
      const { url, server } = await served(client.notification.handler({ '*': (event) => {
        runs.push(`${what} ${event.id}`);
      } }, { store: failing(what), onError: (_error, stage) => stages.push(`${what}: ${stage}`) }));
      try {
        const answer = await sandbox.notify(url, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: what } });
        expect(answer.status).toBe(what === 'claim' ? 503 : 204);
      } finally {
        await close(server);
      }
    }
    expect(runs).toEqual([expect.stringMatching(/^complete /)]);
    expect(stages).toEqual(['claim: store', 'complete: store']);
  });

  it('shares a store between two handlers (two processes) that only poll it: concurrent duplicates run once', async () => {
    const memory = new MemoryNotificationStore();
    const shared: NotificationStore = {
      claim: (...args) => memory.claim(...args),
      complete: (...args) => memory.complete(...args),
      release: (...args) => memory.release(...args),
      state: (...args) => memory.state(...args),
    };
    const runs: string[] = [];
    const handler = () => client.notification.handler({ 'TRANSACTION.SUCCESS': async (event) => {
      runs.push(event.id);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } }, { store: shared });
    const [a, b] = await Promise.all([served(handler()), served(handler())]);
    // One genuine notification, caught once and then delivered to both "processes" at once.
    let caught: { headers: Record<string, string>; body: string } | undefined;
    const capture = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
        caught = { headers: Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('wechatpay-'))) as Record<string, string>, body: Buffer.concat(chunks).toString() };
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    try {
      await sandbox.notify(`http://127.0.0.1:${(capture.address() as AddressInfo).port}/`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'SHARED' } });
      const answers = await Promise.all([a, b, a, b].map(({ url }) => fetch(url, { method: 'POST', headers: caught!.headers, body: caught!.body })));
      expect(answers.map((answer) => answer.status)).toEqual([204, 204, 204, 204]);
      expect(runs).toHaveLength(1);
    } finally {
      await Promise.all([close(a.server), close(b.server), close(capture)]);
    }
  });

  it('counts the bytes of a body without Content-Length: over maxBodySize is 413 (node: chunked; fetch: a stream); a read Request is 500', async () => {
    const handler = client.notification.handler({ '*': () => undefined }, { maxBodySize: 1024 });
    const { url, server } = await served(handler);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 0x20));
        req.end();
      });
      expect(status).toBe(413);
    } finally {
      await close(server);
    }
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512));
        controller.close();
      },
    });
    const streamed = await handler.fetch(new Request('http://127.0.0.1/notify', { method: 'POST', body: chunks, duplex: 'half' } as RequestInit));
    expect(streamed.status).toBe(413);
    const read = new Request('http://127.0.0.1/notify', { method: 'POST', body: '{}' });
    await read.text();
    expect((await handler.fetch(read)).status).toBe(500);
    expect((await handler.fetch(new Request('http://127.0.0.1/notify'))).status).toBe(405);
  });

  it('is checked at setup: handlers, store, TTL at least 25 h, sizes; a client without an APIv3 key or secret has none', () => {
    const errors = [
      () => client.notification.handler({ 'REFUND*': () => 1 } as never),
      () => client.notification.handler({}, { store: {} as NotificationStore }),
      () => client.notification.handler({}, { ttlMs: MIN_NOTIFICATION_TTL_MS - 1 }),
      () => client.notification.handler({}, { maxBodySize: 0 }),
      () => client.notification.handlerV2({ refunds: () => 1 } as never),
      () => Builder.factory({ ...sandbox.config, apiv3Key: undefined }).notification.handler({}),
      () => Builder.factory({ ...sandbox.config, secret: undefined }).notification.handlerV2({}),
    ].map((make) => thrown(make));
    for (const error of errors) expect(error).toBeInstanceOf(ConfigError);
    expect(errors.slice(-2).map((error) => (error as ConfigError).field)).toEqual(['apiv3Key', 'secret']);
  });
});

describe('client.notification.handlerV2', () => {
  it('runs payment and refund handlers once each, answers the XML the platform expects, refuses a bad sign', async () => {
    const seen: string[] = [];
    const { url, server } = await served(client.notification.handlerV2({
      payment: (notification) => {
        seen.push(`paid ${notification.out_trade_no} ${notification.total_fee}`);
      },
      refund: (notification) => {
        seen.push(`refund ${notification.req_info.out_refund_no} ${notification.req_info.refund_status}`);
      },
    }));
    try {
      await client.v3.pay.transactions.native.post({ json: {
        appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'v2', out_trade_no: 'HV2', notify_url: url, amount: { total: 500 },
      } });
      await sandbox.pay('HV2');
      const paid = await sandbox.notifyV2(url, { order: 'HV2' });
      const again = await sandbox.notifyV2(url, { order: 'HV2' });
      await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'HV2', out_refund_no: 'HV2-R', amount: { refund: 120, total: 500, currency: 'CNY' } } });
      const refunded = await sandbox.notifyV2(url, { refund: 'HV2-R' });
      const forged = await sandbox.notifyV2(url, { order: 'HV2' }, { fault: 'bad-signature' });
      for (const answer of [paid, again, refunded]) {
        expect(answer.status).toBe(200);
        expect(Transformer.toArray(answer.body)).toEqual({ return_code: 'SUCCESS', return_msg: 'OK' });
      }
      expect(forged.status).toBe(401);
      expect(Transformer.toArray(forged.body)).toEqual({ return_code: 'FAIL', return_msg: 'verification failed' });
      expect(seen).toEqual(['paid HV2 500', 'refund HV2-R SUCCESS']);
    } finally {
      await close(server);
    }
  });

  it('answers 500 with the XML FAIL reply when a handler throws, releases the id and runs it again on the redelivery', async () => {
    const seen: string[] = [];
    const stages: string[] = [];
    let failing = true;
    const { url, server } = await served(client.notification.handlerV2({
      payment: (notification) => {
        seen.push(notification.out_trade_no);
        if (failing) throw new Error('the warehouse is down');
      },
    }, { onError: (_error, stage) => stages.push(stage) }));
    try {
      await client.v3.pay.transactions.native.post({ json: {
        appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'v2', out_trade_no: 'HV2-F', notify_url: url, amount: { total: 300 },
      } });
      await sandbox.pay('HV2-F');
      const failed = await sandbox.notifyV2(url, { order: 'HV2-F' });
      expect(failed.status).toBe(500);
      expect(Transformer.toArray(failed.body)).toEqual({ return_code: 'FAIL', return_msg: 'handler failed' });
      failing = false;
      const redelivered = await sandbox.notifyV2(url, { order: 'HV2-F' });
      const duplicate = await sandbox.notifyV2(url, { order: 'HV2-F' });
      for (const answer of [redelivered, duplicate]) {
        expect(answer.status).toBe(200);
        expect(Transformer.toArray(answer.body)).toEqual({ return_code: 'SUCCESS', return_msg: 'OK' });
      }
      expect(seen).toEqual(['HV2-F', 'HV2-F']);
      expect(stages).toEqual(['handler']);
    } finally {
      await close(server);
    }
  });
});
