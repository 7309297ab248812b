/**
 * The sandbox clock, through the SDK and the control API: business time moves on (an unpaid order passes
 * its time_expire and closes; a notification's retries fire at their times in the schedule; bills and
 * records carry business time) while the protocol stays on real time (the client keeps working, the
 * notifications' signatures carry real timestamps and verify with node:crypto).
 */
import { openBill } from '../../lib/helpers/bill.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { control, useFlow } from './sandbox-flow-support.js';

let sandbox: Sandbox;
let client: any;
let mchid: string;
const receiver = useFlow((s, c) => {
  sandbox = s;
  client = c;
  mchid = s.config.mchid;
});

const RFC3339_BEIJING = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/;
const order = (no: string, extra: Record<string, unknown> = {}) => ({
  appid: 'wxd678efh567hg6787', mchid, description: 'clock', out_trade_no: no, notify_url: receiver.url, amount: { total: 100, currency: 'CNY' }, ...extra,
});
const clock = async () => (await control(sandbox.baseURL, 'GET', 'clock'))[1];
const advance = async (seconds: number) => {
  const [status, view] = await control(sandbox.baseURL, 'POST', 'clock', { advance: seconds });
  expect(status).toBe(200);
  return view;
};
const tradeState = async (no: string) => (await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: no, query: { mchid } })).data.trade_state;
/** `2025-01-01T08:00:00+08:00` plus `seconds`, as the platform writes times. */
const beijing = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;

describe('the clock', () => {
  it('starts at real time; GET answers it as RFC 3339; advance moves it on, and nothing else', async () => {
    const start = await clock();
    expect(start.now).toMatch(RFC3339_BEIJING);
    expect(start.offset_seconds).toBe(0);
    expect(Math.abs(Date.parse(start.now) - Date.now())).toBeLessThan(5000);
    const moved = await advance(3600);
    expect(moved.offset_seconds).toBe(3600);
    expect(Date.parse(moved.now) - Date.now()).toBeGreaterThan(3595_000);
    // The protocol's clock is untouched: a signed request and its verified answer still go through.
    expect(await (client.v3.pay.transactions.native.post({ json: order('K0') }).then((r: any) => r.status))).toBe(200);
    expect((await control(sandbox.baseURL, 'POST', 'clock', { advance: -1 }))[0]).toBe(400);
    expect((await control(sandbox.baseURL, 'POST', 'clock', { advance: 'soon' }))[0]).toBe(400);
  });

  it('an unpaid order closes at its time_expire; it cannot be paid after; records carry business time', async () => {
    const now = Date.parse((await clock()).now);
    await client.v3.pay.transactions.native.post({ json: order('K1', { time_expire: beijing(now + 600_000) }) });
    await client.v3.pay.transactions.native.post({ json: order('K2', { time_expire: beijing(now + 600_000) }) });
    const createTime = sandbox.orders({ detail: true }).find((o) => o['out_trade_no'] === 'K1')!['create_time'] as string;
    expect(createTime).toMatch(RFC3339_BEIJING);
    expect(Math.abs(Date.parse(createTime) - now)).toBeLessThan(5000);
    expect((await clock()).due.map((d: any) => d.key)).toEqual(expect.arrayContaining([expect.stringContaining('K1')]));
    await advance(540);
    expect(await tradeState('K1')).toBe('NOTPAY');
    const paid = await sandbox.pay('K2');
    expect(Date.parse(paid.transaction['success_time'] as string) - Date.now()).toBeGreaterThan(4000_000);
    await advance(120);
    expect(await tradeState('K1')).toBe('CLOSED');
    expect(await tradeState('K2')).toBe('SUCCESS');
    await expect(sandbox.pay('K1')).rejects.toThrow(/CLOSED/);
    await expect(client.v3.pay.transactions.native.post({ json: order('K1', { time_expire: beijing(now + 600_000) }) })).rejects.toMatchObject({ status: 400, code: 'ORDER_CLOSED' });
  });

  it('notifications due in the retry schedule fire as the clock passes them, each at its time, signed with real timestamps', async () => {
    receiver.status = 500;
    await client.v3.pay.transactions.native.post({ json: order('K3') });
    const { delivery } = await sandbox.pay('K3', { notify: true });
    expect(delivery).toMatchObject({ state: 'pending', attempts: [{ n: 1, status: 500 }] });
    const first = Date.parse(delivery!.attempts[0]!.at);
    expect(Date.parse(delivery!.next_at!) - first).toBeGreaterThanOrEqual(15_000);

    await advance(61); // 15 s, 15 s, 30 s (and the attempts' own milliseconds): three more attempts
    let now = sandbox.notifications().find((d) => d.id === delivery!.id)!;
    expect(now.attempts.map((a) => a.n)).toEqual([1, 2, 3, 4]);
    const gaps = now.attempts.slice(1).map((a, i) => Math.round((Date.parse(a.at) - Date.parse(now.attempts[i]!.at)) / 1000));
    expect(gaps).toEqual([15, 15, 30]);
    expect(now.state).toBe('pending');

    receiver.status = 204;
    await advance(177);
    expect(sandbox.notifications().find((d) => d.id === delivery!.id)!.attempts).toHaveLength(4);
    await advance(4); // the 3 min retry
    now = sandbox.notifications().find((d) => d.id === delivery!.id)!;
    expect(now.state).toBe('delivered');
    expect(now.attempts).toHaveLength(5);
    // Every attempt was verified and decrypted by the receiver with node:crypto (a real-time timestamp).
    const mine = receiver.received.filter((r) => r.resource['out_trade_no'] === 'K3');
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((r) => r.envelope.id)).size).toBe(1);
    expect(mine[0]!.envelope.event_type).toBe('TRANSACTION.SUCCESS');
    expect(Date.parse(mine[0]!.envelope.create_time) - Date.now()).toBeGreaterThan(3000_000);
  });

  it('bills follow business days: a payment made a day ahead is in that day\'s bill', async () => {
    await advance(24 * 3600);
    await client.v3.pay.transactions.native.post({ json: order('K4') });
    const { transaction } = await sandbox.pay('K4');
    const day = (transaction['success_time'] as string).slice(0, 10);
    const answer = await client.v3.bill.tradebill.get({ query: { bill_date: day, bill_type: 'SUCCESS' } });
    const chunks: Buffer[] = [];
    for await (const chunk of await openBill(client, answer)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toContain('`K4');
    // The real today's bill does not have it.
    const today = await client.v3.bill.tradebill.get({ query: { bill_date: beijing(Date.now()).slice(0, 10), bill_type: 'SUCCESS' } });
    const todays: Buffer[] = [];
    for await (const chunk of await openBill(client, today)) todays.push(chunk as Buffer);
    expect(Buffer.concat(todays).toString('utf8')).not.toContain('`K4');
  });

  it('reset goes back to real time', async () => {
    sandbox.reset();
    expect((await clock()).offset_seconds).toBe(0);
  });
});

describe('the clock and what is due on it across a restart', () => {
  it('a persisted sandbox keeps its offset and puts a waiting transfer bill, an order\'s time_expire and an unfinished profit share back on the clock; combined orders are restored', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startSandbox } = await import('../../lib/sandbox/index.js');
    const { Builder } = await import('../../lib/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-clock-'));
    try {
      let first = await startSandbox({ dir });
      let api: any = Builder.factory(first.config);
      await api.v3.fundApp.mchTransfer.transferBills.post({ json: {
        appid: 'wxf636efh567hg4356', out_bill_no: 'RB1', transfer_scene_id: '1002', openid: 'o-PAYEE', transfer_amount: 100, transfer_remark: 'r',
        transfer_scene_report_infos: [{ info_type: '活动名称', info_content: 'x' }],
      } });
      const start = Date.parse(first.clock().now);
      await api.v3.pay.transactions.native.post({ json: { ...order('RK1'), mchid: first.config.mchid, time_expire: beijing(start + 7200_000) } });
      await first.advanceClock(3600);
      // A combined order paid for sharing, a receiver, a share not yet finished: each journalled.
      await api.v3.combineTransactions.app.post({ json: {
        combine_appid: 'wxd678efh567hg6787', combine_mchid: first.config.mchid, combine_out_trade_no: 'RC1', notify_url: receiver.url,
        sub_orders: [{ mchid: first.config.mchid, sub_mchid: '1900000109', out_trade_no: 'RC1-A', attach: 'a', description: 'd', amount: { total_amount: 1000, currency: 'CNY' }, settle_info: { profit_sharing: true } }],
      } });
      const paid = (await first.payCombine('RC1')).combine['sub_orders'] as Array<Record<string, string>>;
      await api.v3.profitsharing.receivers.add.post({ json: { sub_mchid: '1900000109', appid: 'wxd678efh567hg6787', type: 'MERCHANT_ID', account: '1900000999', relation_type: 'STORE' } });
      await api.v3.profitsharing.orders.post({ json: {
        sub_mchid: '1900000109', appid: 'wxd678efh567hg6787', transaction_id: paid[0]!['transaction_id'], out_order_no: 'RS1', unfreeze_unsplit: false,
        receivers: [{ type: 'MERCHANT_ID', account: '1900000999', amount: 100, description: 'x' }],
      } });
      await first.close();

      first = await startSandbox({ dir });
      api = Builder.factory(first.config);
      expect(first.clock().offset_seconds).toBeGreaterThanOrEqual(3600);
      expect(first.clock().due.map((d) => d.key)).toEqual(expect.arrayContaining([expect.stringContaining('RB1'), expect.stringContaining('RK1')]));
      expect((await api.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.get({ out_bill_no: 'RB1' })).data.state).toBe('WAIT_USER_CONFIRM');
      expect((await api.v3.combineTransactions.outTradeNo._combine_out_trade_no_.get({ combine_out_trade_no: 'RC1' })).data.sub_orders[0].trade_state).toBe('SUCCESS');
      const sharing = () => api.v3.profitsharing.orders._out_order_no_.get({ out_order_no: 'RS1', query: { sub_mchid: '1900000109', transaction_id: paid[0]!['transaction_id'] } });
      expect((await sharing()).data.state).toBe('PROCESSING');
      await first.advanceClock(3600);
      expect((await sharing()).data).toMatchObject({ state: 'FINISHED', receivers: [{ result: 'SUCCESS' }] });
      expect((await api.v3.profitsharing.transactions._transaction_id_.amounts.get({ transaction_id: paid[0]!['transaction_id'] })).data.unsplit_amount).toBe(900);
      await first.advanceClock(1);
      expect((await api.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'RK1', query: { mchid: first.config.mchid } })).data.trade_state).toBe('CLOSED');
      await first.advanceClock(23 * 3600);
      expect((await api.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.get({ out_bill_no: 'RB1' })).data).toMatchObject({ state: 'FAIL', fail_reason: 'OVERDUE_CLOSE' });
      await first.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the platform certificate approaching expiry', () => {
  it('30 days before the newest certificate ends (business time), a new one is issued, listed and signing; a client that downloads certificates follows it', async () => {
    const { startSandbox } = await import('../../lib/sandbox/index.js');
    const { Builder } = await import('../../lib/index.js');
    const own = await startSandbox();
    try {
      const fixed: any = Builder.factory(own.config);
      const downloading: any = Builder.factory({ ...own.config, autoCertificates: true });
      const query = (api: any) => api.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'NONE', query: { mchid: own.config.mchid } });
      await expect(query(downloading)).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
      const [first] = own.certificates.view().certificates;
      const renewal = own.clock().due.find((d) => d.key === 'certificate-renewal')!;
      expect(Date.parse(first!.validTo) - Date.parse(renewal.at)).toBe(30 * 24 * 3600_000);

      const until = (Date.parse(renewal.at) - Date.parse(own.clock().now)) / 1000;
      await own.advanceClock(until - 60);
      expect(own.certificates.view().certificates).toHaveLength(1);
      await own.advanceClock(120);
      const [, next] = own.certificates.view().certificates;
      expect(next).toBeDefined();
      expect(Date.parse(next!.validFrom)).toBeLessThanOrEqual(Date.now());
      expect(own.certificates.view().signing).toBe(next!.serial);
      // The next renewal is five years (less 30 days) of business time later.
      expect(Date.parse(own.clock().due.find((d) => d.key === 'certificate-renewal')!.at) - Date.parse(own.clock().now)).toBeGreaterThan(4 * 365 * 24 * 3600_000);

      // v3/certificates lists both; a client downloading certificates verifies answers signed with the new key.
      const listed = (await downloading.v3.certificates.get()).data.data.map((c: any) => c.serial_no);
      expect(listed).toEqual(expect.arrayContaining([first!.serial, next!.serial]));
      await expect(query(downloading)).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
      // One configured with the first certificate alone still works while requests name it (the platform signs with the key they name).
      await expect(query(fixed)).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    } finally {
      await own.close();
    }
  }, 60_000);
});
