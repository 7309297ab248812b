/**
 * Load: 2,000 calls at once against the embedded sandbox (orders created, then queried), every request
 * checked by the sandbox and every answer verified by the client; memory growth bounded; and once the
 * sandbox is closed, no socket of the burst is left open.
 */
import { Builder } from '../../lib/core/builder.js';
import { startSandbox, type RequestRecord, type Sandbox } from '../../lib/sandbox/index.js';
import { peakRssGrowth } from '../support/answer-server.js';

const CALLS = 2000;
const MiB = 1024 * 1024;
const APPID = 'wxd678efh567hg6787';

/** Open TCP sockets of this process (node's own count of what keeps it alive). */
const openSockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

async function settled(check: () => boolean, within = 10_000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < within; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (check()) return true;
  }
  return check();
}

describe(`${CALLS} concurrent calls`, () => {
  let sandbox: Sandbox;
  const records: RequestRecord[] = [];
  const socketsBefore = openSockets();

  beforeAll(async () => {
    sandbox = await startSandbox({ onRequest: (record) => records.push(record) });
  }, 30_000);
  afterAll(() => sandbox?.close());

  it('are all served, each request checked by the sandbox and each answer verified; memory growth stays bounded', async () => {
    const client: any = Builder.factory({ ...sandbox.config, timeout: 120_000 });
    const { mchid } = sandbox.config;
    let created: Array<{ status: number; data: { code_url: string } }> = [];
    let queried: Array<{ status: number; data: { out_trade_no: string; trade_state: string } }> = [];
    const growth = await peakRssGrowth(async () => {
      created = await Promise.all(Array.from({ length: CALLS / 2 }, (_, index) => client.v3.pay.transactions.native.post({
        json: { appid: APPID, mchid, description: 'load', out_trade_no: `LOAD${index}`, notify_url: 'https://example.com/notify', amount: { total: 1 + index } },
      })));
      queried = await Promise.all(Array.from({ length: CALLS / 2 }, (_, index) =>
        client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: `LOAD${index}`, query: { mchid } })));
    });
    expect(created.every((response) => response.status === 200 && response.data.code_url.startsWith('weixin://'))).toBe(true);
    expect(queried.map((response) => response.data.out_trade_no)).toEqual(Array.from({ length: CALLS / 2 }, (_, index) => `LOAD${index}`));
    expect(queried.every((response) => response.data.trade_state === 'NOTPAY')).toBe(true);
    // the sandbox checked the signature, merchant, serial and clock of every request, and refused none
    expect(records).toHaveLength(CALLS);
    expect(records.filter((record) => record.status !== 200 || record.code !== undefined)).toEqual([]);
    expect(growth).toBeLessThan(256 * MiB);
    console.log(`load: ${CALLS} concurrent calls, peak RSS growth ${Math.round(growth / MiB)} MiB`);
  }, 180_000);

  it('leaves no socket open once the sandbox is closed', async () => {
    expect(openSockets()).toBeGreaterThan(socketsBefore);
    await sandbox.close();
    expect(await settled(() => openSockets() <= socketsBefore)).toBe(true);
  }, 30_000);
});
