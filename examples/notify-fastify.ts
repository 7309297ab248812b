/**
 * `client.notification.handler` in Fastify 5: `handler.fastify({ path })` is a plugin that registers the
 * route with its own raw-body parser inside its encapsulation context; the app's JSON parser is untouched.
 *
 *   npx tsx examples/notify-fastify.ts
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { NotificationHandler } from 'wechatpay-chain';
import type { Served } from './notify-node.js';

// #region fastify
export async function createApp(handler: NotificationHandler): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(handler.fastify({ path: '/notify' }));
  app.post('/api/echo', async (request) => request.body); // still parsed as JSON by the app
  return app;
}
// #endregion

export async function serve(handler: NotificationHandler, port = 0): Promise<Served> {
  const app = await createApp(handler);
  const address = await app.listen({ port, host: '127.0.0.1' });
  return { url: `${address}/notify`, close: () => app.close() };
}

if (process.argv[1]?.endsWith('notify-fastify.ts')) void import('./notify-node.js').then(({ demo }) => demo('Fastify', serve));
