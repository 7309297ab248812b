/**
 * The load burst of load.slow.spec.ts, run in a process of its own so that its memory figure is the burst's alone
 * and not what earlier suites left in a shared jest worker. Prints one JSON line of what it saw.
 */
import { Builder } from '../../lib/core/builder.js';
import { startSandbox, type RequestRecord } from '../../lib/sandbox/index.js';
import { peakRssGrowth } from '../support/answer-server.js';

const CALLS = Number(process.argv[2] ?? 2000);
const APPID = 'wxd678efh567hg6787';

/** Open TCP sockets of this process (node's own count of what keeps it alive). */
const openSockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

async function settled(check: () => boolean, within = 10_000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < within; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (check()) return true;
  }
  return check();
}

async function main() {
  const records: RequestRecord[] = [];
  const socketsBefore = openSockets();
  const sandbox = await startSandbox({ onRequest: (record) => records.push(record) });
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
  const socketsDuring = openSockets();
  await sandbox.close();
  const socketsClosed = await settled(() => openSockets() <= socketsBefore);
  process.stdout.write(`${JSON.stringify({
    growth,
    created: created.map((response) => ({ status: response.status, codeUrl: response.data.code_url })),
    queried: queried.map((response) => ({ outTradeNo: response.data.out_trade_no, tradeState: response.data.trade_state })),
    records: records.map((record) => ({ status: record.status, code: record.code })),
    socketsBefore, socketsDuring, socketsClosed,
  })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
