/** handler.koa() in Koa with koa-bodyparser earlier (examples/notify-koa.ts), delivered to by the sandbox. */
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Builder } from '../../lib/index.js';
import { startSandbox } from '../../lib/sandbox/index.js';
import { serve } from '../../examples/notify-koa.js';
import { adapterSuite } from './notify-harness.js';

adapterSuite('handler.koa() (Koa + koa-bodyparser)', serve);

describe('handler.koa() without koa-bodyparser', () => {
  it('reads the body itself; after a middleware that consumed it, answers 5xx naming the fix', async () => {
    const sandbox = await startSandbox();
    const client = Builder.factory(sandbox.config);
    const reported: string[] = [];
    const runs: string[] = [];
    const handler = client.notification.handler({ 'TRANSACTION.SUCCESS': (event) => {
      runs.push(event.resource.out_trade_no);
    } }, { onError: (error, stage) => reported.push(`${stage}: ${error.message}`) });
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path === '/consumed') for await (const _chunk of ctx.req) { /* a parser that keeps nothing */ }
      await next();
    });
    app.use(handler.koa());
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const plain = await sandbox.notify(`${base}/plain`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'K1' } });
      expect([plain.status, plain.body]).toEqual([204, '']);
      const consumed = await sandbox.notify(`${base}/consumed`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'K2' } });
      expect(consumed.status).toBe(500);
      expect(reported).toEqual([expect.stringMatching(/^body: .*consumed/)]);
      expect(runs).toEqual(['K1']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await sandbox.close();
    }
  }, 30_000);
});
