/**
 * Notifications are retried like the platform retries them: after a non-2xx answer or no answer within
 * the timeout, 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h (sixteen attempts), here
 * at a ten-thousandth of the pace (`timeScale: 0.0001`: 15 s are 1.5 ms, 6 h are 2.16 s). The gaps seen by
 * the receiver follow the schedule; every attempt is in the control API; a 2xx ends the retries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder } from '../../lib/core/builder.js';
import { RETRY_SCHEDULE, startSandbox, type Delivery, type Sandbox } from '../../lib/sandbox/index.js';

const SCALE = 0.0001;
let sandbox: Sandbox;
let client: any;
let receiver: Server;
let base = '';
/** What the receiver does with the n-th attempt (1-based) at a path; the arrival times. */
const plans = new Map<string, (n: number) => number | 'hang'>();
const arrivals = new Map<string, number[]>();

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: SCALE, notifyTimeout: 250 });
  client = Builder.factory(sandbox.config);
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const seen = arrivals.get(path) ?? [];
    seen.push(performance.now());
    arrivals.set(path, seen);
    req.resume();
    const plan = plans.get(path)?.(seen.length) ?? 204;
    if (plan === 'hang') return; // no answer: the sandbox gives up after notifyTimeout
    res.writeHead(plan, { 'Content-Type': 'application/json' }).end(plan >= 300 ? JSON.stringify({ code: 'FAIL', message: `attempt ${seen.length}` }) : '');
  });
  receiver.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

async function paidWithNotification(outTradeNo: string, path: string) {
  await client.v3.pay.transactions.native.post({ json: {
    appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'retried', out_trade_no: outTradeNo,
    notify_url: `${base}${path}`, amount: { total: 1 },
  } });
  return sandbox.pay(outTradeNo, { notify: true });
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const viaControl = async (id: string): Promise<Delivery> => {
  const all = await (await fetch(`${sandbox.baseURL}__sandbox/notifications`)).json() as Delivery[];
  return all.find((d) => d.id === id)!;
};

describe('notification retries', () => {
  it('the schedule is the platform’s', () => {
    expect(RETRY_SCHEDULE).toEqual([15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]);
    expect(RETRY_SCHEDULE.reduce((a, b) => a + b, 0)).toBe(24 * 3600 + 4 * 60); // 24h4m
  });

  it('a receiver that always fails gets sixteen attempts at the documented intervals, then the notification is given up', async () => {
    plans.set('/always-500', () => 500);
    const started = Date.now();
    const { delivery, notification } = await paidWithNotification('RT-500', '/always-500');
    expect(notification?.status).toBe(500);
    expect(delivery).toMatchObject({ state: 'pending', retries: true, attempts: [{ n: 1, status: 500, ok: false }] });
    await until(() => sandbox.notifications().find((d) => d.id === delivery!.id)?.state === 'failed', 30_000);
    const elapsed = Date.now() - started;

    const times = arrivals.get('/always-500')!;
    expect(times).toHaveLength(16);
    const done = await viaControl(delivery!.id);
    expect(done.attempts.map((a) => [a.n, a.status, a.ok])).toEqual(Array.from({ length: 16 }, (_, i) => [i + 1, 500, false]));
    expect(done.next_at).toBeUndefined();
    const rows: string[] = [];
    for (let i = 0; i < 15; i++) {
      const expected = RETRY_SCHEDULE[i]! * 1000 * SCALE;
      // The wait starts when the attempt has its answer: the gap the receiver sees is the attempt's time plus the wait.
      const gap = times[i + 1]! - times[i]!;
      const wait = Date.parse(done.attempts[i + 1]!.at) - Date.parse(done.attempts[i]!.at) - done.attempts[i]!.ms;
      rows.push(`retry ${i + 1}: expected ${expected.toFixed(1)} ms, receiver gap ${gap.toFixed(1)} ms, recorded wait ${wait} ms`);
      expect(gap).toBeGreaterThanOrEqual(expected - 2);
      expect(gap).toBeLessThan(expected + 250);
      expect(Math.abs(wait - expected)).toBeLessThan(250);
    }
    console.log(`${rows.join('\n')}\nall sixteen attempts in ${elapsed} ms (the schedule scaled: ${(RETRY_SCHEDULE.reduce((a, b) => a + b, 0) * 1000 * SCALE).toFixed(0)} ms)`);
  }, 40_000);

  it('no answer within the timeout is a failure too; a 2xx ends the retries', async () => {
    plans.set('/hang-then-ok', (n) => (n === 1 ? 'hang' : n === 2 ? 503 : 200));
    const { delivery, notification } = await paidWithNotification('RT-HANG', '/hang-then-ok');
    expect(notification).toBeUndefined();
    expect(delivery?.attempts[0]).toMatchObject({ n: 1, ok: false, error: expect.stringMatching(/no answer within 250 ms/) });
    expect(delivery?.attempts[0]!.ms).toBeGreaterThanOrEqual(240);
    await until(() => sandbox.notifications().find((d) => d.id === delivery!.id)?.state === 'delivered', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const done = await viaControl(delivery!.id);
    expect(done.attempts.map((a) => [a.n, a.status ?? 'none', a.ok])).toEqual([[1, 'none', false], [2, 503, false], [3, 200, true]]);
    expect(arrivals.get('/hang-then-ok')).toHaveLength(3);
    // Every attempt was signed anew: three different nonces.
    expect(new Set(done.attempts.map((a) => a.headers['Wechatpay-Nonce'])).size).toBe(3);
  }, 20_000);

  it('an unreachable notify_url is retried, and “retry now” makes the next attempt at once', async () => {
    const slow = await startSandbox({ timeScale: 1 });
    try {
      const slowClient: any = Builder.factory(slow.config);
      await slowClient.v3.pay.transactions.native.post({ json: {
        appid: 'wxd678efh567hg6787', mchid: slow.config.mchid, description: 'nobody home', out_trade_no: 'RT-DOWN',
        notify_url: 'http://127.0.0.1:1/notify', amount: { total: 1 },
      } });
      const { delivery } = await slow.pay('RT-DOWN', { notify: true });
      expect(delivery).toMatchObject({ state: 'pending', attempts: [{ n: 1, ok: false, error: expect.stringMatching(/ECONNREFUSED/) }] });
      // At the platform's pace the next attempt is 15 s away.
      const wait = Date.parse(delivery!.next_at!) - Date.parse(delivery!.attempts[0]!.at) - delivery!.attempts[0]!.ms;
      expect(Math.abs(wait - 15_000)).toBeLessThan(50);
      const again = await (await fetch(`${slow.baseURL}__sandbox/notifications/${delivery!.id}/retry`, { method: 'POST' })).json() as Delivery;
      expect(again.attempts.map((a) => a.n)).toEqual([1, 2]);
      expect(again.state).toBe('pending');
    } finally {
      await slow.close();
    }
  });
});
