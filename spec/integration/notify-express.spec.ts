/** handler.express() in Express 5 (examples/notify-express.ts), delivered to by the sandbox. */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Builder } from '../../lib/index.js';
import { startSandbox } from '../../lib/sandbox/index.js';
import { createApp, serve } from '../../examples/notify-express.js';
import { adapterSuite, send } from './notify-harness.js';

adapterSuite('handler.express() (Express 5)', serve);

describe('handler.express() behind a body parser', () => {
  it('answers 5xx (never 2xx) when express.json() consumed the body first, and reports the fix; express.raw() bytes are used', async () => {
    const sandbox = await startSandbox();
    const client = Builder.factory(sandbox.config);
    const reported: string[] = [];
    const runs: string[] = [];
    const handler = client.notification.handler({ 'TRANSACTION.SUCCESS': (event) => {
      runs.push(event.resource.out_trade_no);
    } }, { onError: (error, stage) => reported.push(`${stage}: ${error.message}`) });
    const app = express();
    app.post('/parsed', express.json(), handler.express());
    app.post('/raw', express.raw({ type: '*/*' }), handler.express());
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const parsed = await sandbox.notify(`${base}/parsed`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'P1' } });
      expect(parsed.status).toBe(500);
      expect(JSON.parse(parsed.body)).toEqual({ code: 'FAIL', message: expect.stringContaining('body parser') });
      expect(reported).toEqual([expect.stringMatching(/^body: .*mount the notification handler before any body parser/)]);
      const raw = await sandbox.notify(`${base}/raw`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'P2' } });
      expect(raw.status).toBe(204);
      expect(runs).toEqual(['P2']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await sandbox.close();
    }
  }, 30_000);

  it('leaves the rest of the example app parsing JSON', async () => {
    const sandbox = await startSandbox();
    const server = createApp(Builder.factory(sandbox.config).notification.handler({})).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const echo = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/echo`, { 'Content-Type': 'application/json' }, '{"a":1}');
      expect(JSON.parse(echo.body)).toEqual({ a: 1 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await sandbox.close();
    }
  }, 30_000);
});
