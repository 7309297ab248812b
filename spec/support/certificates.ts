/**
 * A sandbox for the automatic certificate specs: its settings without `certs` (what an autoCertificates
 * client starts from), a count of the certificate downloads it served (every request, not the last 1000),
 * an order to query (a signed 200 answer that is not itself a download), and notifications captured as sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Builder, type Client } from '../../lib/index.js';
import { startSandbox, type Sandbox, type SandboxConfig, type SandboxOptions } from '../../lib/sandbox/index.js';
import type { IncomingHttpHeaders } from 'node:http';

/** A notification as received: node's headers, the raw body. */
export interface CapturedNotification {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CertificatePlatform {
  sandbox: Sandbox;
  /** sandbox.json without `certs`. */
  settings: Omit<SandboxConfig, 'certs'>;
  /** `GET v3/certificates` requests served so far. */
  downloads(): number;
  /** Queries the order made at start: a signed 200 answer. */
  query(client: Client): Promise<{ status: number; headers: Record<string, unknown> }>;
  /** A notification as the sandbox sends it now (signed with the key it signs with now). */
  notification(): Promise<CapturedNotification>;
  close(): Promise<void>;
}

export const OUT_TRADE_NO = 'KEYS-0001';

export async function certificatePlatform(options: SandboxOptions = {}): Promise<CertificatePlatform> {
  let downloads = 0;
  const sandbox = await startSandbox({
    ...options,
    onRequest: (record) => {
      if (record.template === 'v3/certificates') downloads += 1;
    },
  });
  const { certs: _certs, ...settings } = sandbox.config;
  await Builder.factory(sandbox.config).v3.pay.transactions.native.post({ json: {
    appid: 'wxd678efh567hg6787', mchid: settings.mchid, description: 'keys', out_trade_no: OUT_TRADE_NO,
    notify_url: 'https://example.com/notify', amount: { total: 1 },
  } });
  const certificateDownloads = downloads;
  return {
    sandbox,
    settings,
    downloads: () => downloads - certificateDownloads,
    query: (client) => client.chain('v3/pay/transactions/out-trade-no/{out_trade_no}').get({ out_trade_no: OUT_TRADE_NO, query: { mchid: settings.mchid } }) as never,
    async notification() {
      let captured: CapturedNotification | undefined;
      const receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          captured = { headers: req.headers, body: Buffer.concat(chunks) };
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        await sandbox.notify(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`, { resource: { out_trade_no: OUT_TRADE_NO } });
      } finally {
        await new Promise((resolve) => receiver.close(resolve));
      }
      return captured!;
    },
    close: () => sandbox.close(),
  };
}

/** Polls `condition` every 50 ms, up to `ms`. */
export async function eventually(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
