/**
 * `client.notification.handler` with the Web `Request`/`Response` API: `handler.fetch(request)`. In Hono
 * (here on node through @hono/node-server; the same route runs on Bun, Deno and Workers) and in a Next.js
 * App Router route handler (`app/notify/route.ts`), which is `nextRouteHandlers` below.
 *
 *   npx tsx examples/notify-hono.ts
 */
import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import { Hono } from 'hono';
import type { NotificationHandler } from 'wechatpay-chain';
import type { Served } from './notify-node.js';

// #region hono
export function createApp(handler: NotificationHandler): Hono {
  const app = new Hono();
  app.all('/notify', (c) => handler.fetch(c.req.raw)); // the untouched Request: never c.req.json()
  return app;
}
// #endregion

// #region next
/** Next.js App Router, app/notify/route.ts: `export const { POST } = nextRouteHandlers(handler);` */
export function nextRouteHandlers(handler: NotificationHandler): { POST(request: Request): Promise<Response> } {
  return { POST: (request) => handler.fetch(request) };
}
// #endregion

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number): Promise<Served> {
  return new Promise((resolve) => {
    const server = serveNode({ fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({
      url: `http://127.0.0.1:${info.port}/notify`,
      close: () => new Promise((closed) => server.close(() => closed())),
    }));
  });
}

export function serve(handler: NotificationHandler, port = 0): Promise<Served> {
  return listen(createApp(handler).fetch, port);
}

/** A Next-style route: Next answers 405 for the methods a route does not export; POST goes to the handler. */
export function serveNext(handler: NotificationHandler, port = 0): Promise<Served> {
  const { POST } = nextRouteHandlers(handler);
  return listen((request) => (request.method === 'POST' ? POST(request) : new Response(null, { status: 405, headers: { Allow: 'POST' } })), port);
}

if (process.argv[1]?.endsWith('notify-hono.ts')) {
  void import('./notify-node.js').then(({ demo }) => demo('Hono', serve));
}
