/** handler.koa() in Koa with koa-bodyparser earlier (examples/notify-koa.ts), delivered to by the sandbox. */
import Koa from 'koa';
import { serve } from '../../examples/notify-koa.js';
import { adapterSuite, listening, withRecordingHandler } from './notify-harness.js';

adapterSuite('handler.koa() (Koa + koa-bodyparser)', serve);

describe('handler.koa() without koa-bodyparser', () => {
  it('reads the body itself; after a middleware that consumed it, answers 5xx naming the fix', () => withRecordingHandler(async ({ sandbox, handler, runs, reported }) => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path === '/consumed') for await (const _chunk of ctx.req) { /* a parser that keeps nothing */ }
      await next();
    });
    app.use(handler.koa());
    const server = await listening(app.listen(0, '127.0.0.1'));
    try {
      const plain = await sandbox.notify(`${server.url}/plain`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'K1' } });
      expect([plain.status, plain.body]).toEqual([204, '']);
      const consumed = await sandbox.notify(`${server.url}/consumed`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'K2' } });
      expect(consumed.status).toBe(500);
      expect(reported).toEqual([expect.stringMatching(/^body: .*consumed/)]);
      expect(runs).toEqual(['K1']);
    } finally {
      await server.close();
    }
  }), 30_000);
});
