/**
 * One suite for every notification adapter (notify-*.spec.ts): the adapter is started in its real framework
 * on 127.0.0.1 by the `serve` function of its example (examples/notify-*.ts), and sandboxes deliver
 * notifications to it as the platform does, retries on the platform's schedule compressed a thousandfold.
 *
 * Duplicates are genuine: a notification the sandbox signed is caught once by a capture server, then
 * sent again, byte for byte, to the adapter.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder, type Client } from '../../lib/index.js';
import type { NotificationEvent } from '../../lib/helpers/notification-dispatch.js';
import type { NotificationErrorStage, NotificationHandler } from '../../lib/helpers/notification-handler.js';
import { Notification } from '../../lib/helpers/notification.js';
import { MemoryNotificationStore, type NotificationStore } from '../../lib/helpers/notification-store.js';
import { startSandbox, type Delivery, type Sandbox } from '../../lib/sandbox/index.js';

/** A server an example started: where it listens, and how to stop it. */
export interface Served {
  url: string;
  close(): Promise<void>;
}
export type Serve = (handler: NotificationHandler) => Promise<Served>;

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POSTs (or `method`s) raw bytes with the given headers; Content-Length is the body's. */
export function send(url: string, headers: Record<string, string>, body: string | Buffer, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const req = httpRequest(url, { method, headers: { ...headers, 'Content-Length': String(bytes.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // An early answer (413) may close the connection while the body is still going out.
    req.on('error', reject);
    req.end(bytes);
  });
}

/** A server listening (or about to) on 127.0.0.1: its base URL, and how to close it. */
export async function listening(server: Server): Promise<Served> {
  if (!server.listening) await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A sandbox of its own and a handler of its client that records the out_trade_no of each TRANSACTION.SUCCESS it
 * runs and each error it reports (`stage: message`), for one test; the sandbox is closed after `test`.
 */
export async function withRecordingHandler(
  test: (setup: { sandbox: Sandbox; handler: NotificationHandler; runs: string[]; reported: string[] }) => Promise<void>,
): Promise<void> {
  const sandbox = await startSandbox();
  try {
    const runs: string[] = [];
    const reported: string[] = [];
    const handler = Builder.factory(sandbox.config).notification.handler({ 'TRANSACTION.SUCCESS': (event) => {
      runs.push(event.resource.out_trade_no);
    } }, { onError: (error, stage) => reported.push(`${stage}: ${error.message}`) });
    await test({ sandbox, handler, runs, reported });
  } finally {
    await sandbox.close();
  }
}

/** Catches the notifications a sandbox sends to it (answering 500, so nothing counts as delivered). */
async function captureServer(): Promise<{ url: string; caught: Array<{ headers: Record<string, string>; body: string }>; server: Server }> {
  const caught: Array<{ headers: Record<string, string>; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('wechatpay-') || name === 'content-type')) as Record<string, string>;
      caught.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/capture`, caught, server };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (polling every 10 ms, at most `ms`). */
async function until<T>(what: string, read: () => T, check: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

const MERCHANTS = ['1230000109', '1900000101', '1900000102'] as const;

/** The three merchants' sandboxes, started once per spec file and closed after its last suite. */
let merchants: Promise<Sandbox[]> | undefined;
let suites = 0;
async function release(): Promise<void> {
  suites -= 1;
  if (suites > 0 || !merchants) return;
  const started = merchants;
  merchants = undefined;
  await Promise.all((await started).map((sandbox) => sandbox.close()));
}

/** The whole suite for one adapter. */
export function adapterSuite(name: string, serve: Serve): void {
  describe(`${name}: notifications delivered by the sandbox`, () => {
    let sandboxes: Sandbox[] = [];
    let clients: Client[] = [];
    let served: Served;
    let routed: Served;
    let capture: Awaited<ReturnType<typeof captureServer>>;
    /** What the handlers saw, and how the next run behaves. */
    const runs: Array<NotificationEvent<'TRANSACTION.SUCCESS'> | NotificationEvent<'REFUND.SUCCESS'>> = [];
    const routedRuns: Array<{ mchid: string; out_trade_no: string }> = [];
    const errors: Array<{ stage: NotificationErrorStage; message: string }> = [];
    let behaviour: () => Promise<void> = async () => undefined;
    /** The handler's store, counting the deliveries that found their id busy (so a test knows they wait). */
    const memory = new MemoryNotificationStore();
    let waiting = 0;
    const store: NotificationStore = {
      claim: async (...args) => {
        const claim = await memory.claim(...args);
        if (claim === 'busy') waiting += 1;
        return claim;
      },
      complete: (...args) => memory.complete(...args),
      release: (...args) => memory.release(...args),
      state: (...args) => memory.state(...args),
      settled: (...args) => memory.settled(...args),
    };

    suites += 1;
    const suite = suites;
    beforeAll(async () => {
      merchants ??= Promise.all(MERCHANTS.map((mchid) => startSandbox({ mchid, timeScale: 0.001 })));
      sandboxes = await merchants;
      clients = sandboxes.map((sandbox) => Builder.factory(sandbox.config));
      const handler = clients[0]!.notification.handler({
        'TRANSACTION.SUCCESS': async (event) => {
          runs.push(event);
          await behaviour();
        },
        'REFUND.SUCCESS': (event) => {
          runs.push(event);
        },
      }, { store, onError: (error, stage) => errors.push({ stage, message: error.message }) });
      const router = Notification.router(clients).handler({
        'TRANSACTION.*': (event) => {
          routedRuns.push({ mchid: event.mchid, out_trade_no: String(event.resource['out_trade_no']) });
        },
      });
      [served, routed, capture] = await Promise.all([serve(handler), serve(router), captureServer()]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([served?.close(), routed?.close(), capture && new Promise((resolve) => capture.server.close(resolve))]);
      await release();
    });

    beforeEach(() => {
      runs.length = 0;
      errors.length = 0;
      capture.caught.length = 0;
      behaviour = async () => undefined;
    });

    let orders = 0;
    /** A new order of merchant `index`, notified at `url`. */
    async function order(url: string, index = 0, total = 100): Promise<string> {
      const outTradeNo = `N${suite}_${Date.now()}_${++orders}`;
      await clients[index]!.v3.pay.transactions.native.post({ json: {
        appid: 'wxd678efh567hg6787', mchid: sandboxes[index]!.config.mchid, description: 'notified', out_trade_no: outTradeNo, notify_url: url, amount: { total },
      } });
      return outTradeNo;
    }

    /** A genuine notification of a new paid order, caught before it reached the adapter. */
    async function caughtNotification(): Promise<{ headers: Record<string, string>; body: string; outTradeNo: string }> {
      const outTradeNo = await order(capture.url);
      await sandboxes[0]!.pay(outTradeNo);
      await sandboxes[0]!.notify(capture.url, { order: outTradeNo });
      return { ...capture.caught.at(-1)!, outTradeNo };
    }

    const deliveryOf = (outTradeNo: string): Delivery | undefined =>
      sandboxes[0]!.notifications().find((delivery) => delivery.subject?.out_trade_no === outTradeNo);

    it('runs the handler once with the decrypted, typed resource and answers 2xx with an empty body', async () => {
      const outTradeNo = await order(served.url, 0, 321);
      const { notification } = await sandboxes[0]!.pay(outTradeNo, { notify: true });
      expect([200, 204]).toContain(notification?.status);
      expect(notification?.body).toBe('');
      expect(runs).toHaveLength(1);
      const event = runs[0] as NotificationEvent<'TRANSACTION.SUCCESS'>;
      expect(event.event_type).toBe('TRANSACTION.SUCCESS');
      expect([event.resource.out_trade_no, event.resource.trade_state, event.resource.amount?.total]).toEqual([outTradeNo, 'SUCCESS', 321]);
      expect(deliveryOf(outTradeNo)?.state).toBe('delivered');
    });

    it('refuses a notification whose signature or body was tampered with (4xx, nothing runs, the id stays unused)', async () => {
      const outTradeNo = await order(served.url);
      await sandboxes[0]!.pay(outTradeNo);
      const forged = await sandboxes[0]!.notify(served.url, { order: outTradeNo }, { fault: 'bad-signature' });
      expect(forged.status).toBeGreaterThanOrEqual(400);
      expect(forged.status).toBeLessThan(500);
      expect(JSON.parse(forged.body)).toEqual({ code: 'FAIL', message: expect.any(String) });

      const genuine = await caughtNotification();
      const altered = genuine.body.replace('"resource_type":"encrypt-resource"', '"resource_type":"encrypt-resourcf"');
      expect(altered).not.toBe(genuine.body);
      const tampered = await send(served.url, genuine.headers, altered);
      expect(tampered.status).toBeGreaterThanOrEqual(400);
      expect(tampered.status).toBeLessThan(500);
      expect(runs).toHaveLength(0);
      expect(errors.map(({ stage }) => stage)).toEqual(['verify', 'verify']);
      // The forged copy used nothing up: the genuine one still runs.
      expect((await send(served.url, genuine.headers, genuine.body)).status).toBeLessThan(300);
      expect(runs).toHaveLength(1);
    });

    it('answers 5xx when the handler throws, and the sandbox\'s redelivery then succeeds', async () => {
      let calls = 0;
      behaviour = async () => {
        calls += 1;
        if (calls === 1) throw new Error('the warehouse is down');
      };
      const outTradeNo = await order(served.url);
      const { notification } = await sandboxes[0]!.pay(outTradeNo, { notify: true });
      expect(notification?.status).toBeGreaterThanOrEqual(500);
      expect(JSON.parse(notification!.body)).toEqual({ code: 'FAIL', message: expect.any(String) });
      const delivered = await until('the redelivery', () => deliveryOf(outTradeNo), (delivery) => delivery?.state === 'delivered');
      expect(delivered!.attempts.map((attempt) => attempt.ok)).toEqual([false, true]);
      expect(runs.map((event) => event.id)).toEqual([delivered!.id, delivered!.id]);
      expect(errors).toEqual([{ stage: 'handler', message: 'the warehouse is down' }]);
    });

    it('acknowledges a duplicate after a success without running anything', async () => {
      const genuine = await caughtNotification();
      const first = await send(served.url, genuine.headers, genuine.body);
      const again = await send(served.url, genuine.headers, genuine.body);
      expect([first.status, again.status].map((status) => status >= 200 && status < 300)).toEqual([true, true]);
      expect(again.body).toBe('');
      expect(runs).toHaveLength(1);
    });

    it('runs one handler for ten concurrent duplicates; the others answer as it did', async () => {
      const genuine = await caughtNotification();
      waiting = 0;
      // The first one runs until the nine others are waiting for it.
      behaviour = async () => {
        await until('nine deliveries waiting', () => waiting, (count) => count >= 9);
      };
      const answers = await Promise.all(Array.from({ length: 10 }, () => send(served.url, genuine.headers, genuine.body)));
      expect(answers.map((answer) => answer.status >= 200 && answer.status < 300)).toEqual(Array(10).fill(true));
      expect(runs).toHaveLength(1);

      // When the one running fails, the waiting ones answer 5xx too, and a redelivery runs it again.
      const other = await caughtNotification();
      waiting = 0;
      behaviour = async () => {
        await until('three deliveries waiting', () => waiting, (count) => count >= 3);
        throw new Error('failed once');
      };
      const failed = await Promise.all(Array.from({ length: 4 }, () => send(served.url, other.headers, other.body)));
      expect(failed.map((answer) => answer.status >= 500)).toEqual(Array(4).fill(true));
      behaviour = async () => undefined;
      expect((await send(served.url, other.headers, other.body)).status).toBeLessThan(300);
      expect(runs).toHaveLength(3);
    });

    it('answers 413 to a 2 MB body before any crypto, and 405 to a GET', async () => {
      const genuine = await caughtNotification();
      const large = await send(served.url, genuine.headers, Buffer.alloc(2 * 1024 * 1024, 0x20));
      expect(large.status).toBe(413);
      const get = await send(served.url, {}, '', 'GET');
      expect(get.status).toBe(405);
      expect(runs).toHaveLength(0);
      expect(errors).toEqual([]);
    });

    it('the router variant reports the right mchid for three merchants', async () => {
      const paid: string[] = [];
      for (const index of [0, 1, 2]) {
        const outTradeNo = await order(routed.url, index);
        const { notification } = await sandboxes[index]!.pay(outTradeNo, { notify: true });
        expect(notification?.status).toBeLessThan(300);
        paid.push(outTradeNo);
      }
      expect(routedRuns).toEqual(MERCHANTS.map((mchid, index) => ({ mchid, out_trade_no: paid[index] })));
    });
  });
}
