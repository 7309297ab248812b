/**
 * `client.notification.handler` in Koa: `handler.koa({ path })` answers that path and passes every other
 * one on. With koa-bodyparser mounted earlier it verifies the text koa-bodyparser kept
 * (`ctx.request.rawBody`); a success is an empty 204, never Koa's "OK".
 *
 *   npx tsx examples/notify-koa.ts
 */
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import type { NotificationHandler } from 'wechatpay-chain';
import type { Served } from './notify-node.js';

// #region koa
export function createApp(handler: NotificationHandler): Koa {
  const app = new Koa();
  app.use(bodyParser()); // the app's own parser may come first: it keeps ctx.request.rawBody
  app.use(handler.koa({ path: '/notify' }));
  app.use((ctx) => {
    ctx.body = { echo: ctx.request.body ?? null };
  });
  return app;
}
// #endregion

export async function serve(handler: NotificationHandler, port = 0): Promise<Served> {
  const server = createApp(handler).listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1]?.endsWith('notify-koa.ts')) void import('./notify-node.js').then(({ demo }) => demo('Koa', serve));
