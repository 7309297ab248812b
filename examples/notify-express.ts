/**
 * `client.notification.handler` in Express 5: `handler.express()` reads the raw body itself, so mount it
 * before any body parser (a parser that consumed the body first makes it answer 5xx, never 2xx, and report
 * the fix). The rest of the app keeps `express.json()`.
 *
 *   npx tsx examples/notify-express.ts
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NotificationHandler } from 'wechatpay-chain';
import type { Served } from './notify-node.js';

// #region express
export function createApp(handler: NotificationHandler): express.Express {
  const app = express();
  app.all('/notify', handler.express()); // all methods: anything but POST is answered 405
  app.use(express.json()); // after the notify route: the rest of the app parses JSON as usual
  app.post('/api/echo', (req, res) => {
    res.json(req.body);
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

if (process.argv[1]?.endsWith('notify-express.ts')) void import('./notify-node.js').then(({ demo }) => demo('Express', serve));
