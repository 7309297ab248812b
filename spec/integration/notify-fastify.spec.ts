/** handler.fastify({ path }) in Fastify 5 (examples/notify-fastify.ts), delivered to by the sandbox. */
import { createApp, serve } from '../../examples/notify-fastify.js';
import { adapterSuite, send, withRecordingHandler } from './notify-harness.js';

adapterSuite('handler.fastify() (Fastify 5)', serve);

describe('handler.fastify() encapsulation', () => {
  it('leaves the app\'s JSON parser as it was', () => withRecordingHandler(async ({ handler }) => {
    const app = await createApp(handler);
    try {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const echo = await send(`${address}/api/echo`, { 'Content-Type': 'application/json' }, '{"a":1}');
      expect(JSON.parse(echo.body)).toEqual({ a: 1 });
    } finally {
      await app.close();
    }
  }), 30_000);
});
