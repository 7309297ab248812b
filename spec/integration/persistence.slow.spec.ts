/**
 * State that survives a crash: the sandbox runs as a child process (the CLI, `--dir`), a burst of writes
 * (orders created through the SDK, coupon codes uploaded, orders paid with a notification to a dead
 * notify_url) is going on when it is killed with SIGKILL; started again on the same folder, every write
 * that had been answered is there (the journal is fsync'ed before the answer), and the pending
 * notifications are resumed. Writes in flight at the kill may or may not be there; nothing else is lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder } from '../../lib/core/builder.js';
import type { Delivery } from '../../lib/sandbox/index.js';
import { printed } from '../support/child.js';

const root = join(__dirname, '..', '..');
let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-persist-'));
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI from source, on the spec's folder; resolves once it listens. */
async function start(): Promise<{ child: ChildProcess; output: () => string; config: any }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'lib', 'cli', 'index.ts'), 'sandbox', '--port', '0', '--dir', dir, '--quiet'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output = await printed(child, 'Stop with Ctrl-C.', 'the sandbox', 30_000);
  return { child, output, config: JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) };
}

const APPID = 'wxd678efh567hg6787';
const DEAD = 'http://127.0.0.1:1/notify';

describe('a sandbox killed during a burst of writes', () => {
  it('has every acknowledged write after a restart', async () => {
    const first = await start();
    const client: any = Builder.factory(first.config);
    const control = (path: string, body: unknown) => fetch(`${first.config.baseURL}__sandbox${path}`, { method: 'POST', body: JSON.stringify(body) });
    const mchid = first.config.mchid;

    const acknowledged = { orders: [] as string[], codes: [] as string[], paid: [] as string[] };
    let inFlightAtKill = 0;
    let killed = false;
    let inFlight = 0;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
    const kill = () => {
      if (killed) return;
      killed = true;
      inFlightAtKill = inFlight;
      first.child.kill('SIGKILL');
    };
    const attempt = async (work: () => Promise<void>) => {
      inFlight++;
      try {
        await work();
      } catch {
        // not answered: the write was in flight (or not sent) when the process died
      } finally {
        inFlight--;
      }
    };

    let n = 0;
    const orders = async () => {
      while (!killed) {
        const k = ++n;
        const no = `P${k}`;
        await attempt(async () => {
          await client.v3.pay.transactions.native.post({ json: { appid: APPID, mchid, description: 'persisted', out_trade_no: no, notify_url: DEAD, amount: { total: k } } });
          acknowledged.orders.push(no);
          // Every third order is paid by the payer; its notification goes to a dead URL and stays pending.
          if (k % 3 === 0 && !killed) {
            const paid = await control('/pay', { out_trade_no: no, notify: true, wait: false });
            if (paid.status === 200) acknowledged.paid.push(no);
          }
        });
        if (acknowledged.orders.length >= 240) kill();
      }
    };
    let c = 0;
    const codes = async () => {
      while (!killed) {
        const batch = Array.from({ length: 5 }, () => `C${++c}`);
        await attempt(async () => {
          const { data } = await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({
            product_coupon_id: 'PC1', stock_id: 'S1', json: { brand_id: '120344', out_request_no: `R${c}`, code_list: batch },
          });
          acknowledged.codes.push(...data.success_code_list);
        });
      }
    };
    await Promise.all([...Array.from({ length: 8 }, orders), ...Array.from({ length: 3 }, codes)]);
    expect(await exited).toBe('SIGKILL');
    expect(acknowledged.orders.length).toBeGreaterThanOrEqual(240);

    // Again, on the same folder.
    const second = await start();
    try {
      const again: any = Builder.factory(second.config);
      const overview = await (await fetch(`${second.config.baseURL}__sandbox`)).json() as any;
      const missing: string[] = [];
      for (const no of acknowledged.orders) {
        const { data } = await again.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: no, query: { mchid } }).catch(() => ({ data: undefined }));
        if (!data) missing.push(no);
        else if (acknowledged.paid.includes(no) && data.trade_state !== 'SUCCESS') missing.push(`${no} (paid)`);
      }
      const coupons = await (await fetch(`${second.config.baseURL}__sandbox/coupons`)).json() as Array<{ codes: string[] }>;
      const kept = new Set(coupons.flatMap((stock) => stock.codes));
      const lostCodes = acknowledged.codes.filter((code) => !kept.has(code));
      const deliveries = await (await fetch(`${second.config.baseURL}__sandbox/notifications`)).json() as Delivery[];
      const pending = deliveries.filter((d) => d.state === 'pending').map((d) => d.subject?.out_trade_no);
      const lostNotifications = acknowledged.paid.filter((no) => !pending.includes(no));
      const stored = (await (await fetch(`${second.config.baseURL}__sandbox/orders`)).json() as unknown[]).length;
      console.log([
        `killed with ${acknowledged.orders.length} orders, ${acknowledged.codes.length} codes and ${acknowledged.paid.length} payments acknowledged, ${inFlightAtKill} calls in flight`,
        `after the restart: ${stored} orders (${stored - acknowledged.orders.length} of them unacknowledged), ${kept.size} codes, ${pending.length} pending notifications; restored ${overview.restored.records} records, ${overview.restored.droppedBytes} torn bytes dropped`,
        `lost: ${missing.length} orders, ${lostCodes.length} codes, ${lostNotifications.length} notifications`,
      ].join('\n'));
      expect(missing).toEqual([]);
      expect(lostCodes).toEqual([]);
      expect(lostNotifications).toEqual([]);
      // Resumed, not restarted: the attempt made before the kill is still the first one.
      for (const delivery of deliveries.filter((d) => d.state === 'pending')) expect(delivery.attempts.length).toBeGreaterThanOrEqual(1);
      // And the restarted sandbox keeps journaling: a new write, a clean stop, a third start.
      await again.v3.pay.transactions.native.post({ json: { appid: APPID, mchid, description: 'after', out_trade_no: 'AFTER1', notify_url: DEAD, amount: { total: 1 } } });
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
    const third = await start();
    try {
      const orders = await (await fetch(`${third.config.baseURL}__sandbox/orders/AFTER1`)).json() as any;
      expect(orders).toMatchObject({ out_trade_no: 'AFTER1', trade_state: 'NOTPAY' });
    } finally {
      third.child.kill('SIGTERM');
      await new Promise((resolve) => third.child.once('exit', resolve));
    }
  }, 120_000);
});
