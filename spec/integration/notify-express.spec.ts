/** handler.express() in Express 5 (examples/notify-express.ts), delivered to by the sandbox. */
import express from 'express';
import { createApp, serve } from '../../examples/notify-express.js';
import { adapterSuite, listening, send, withRecordingHandler } from './notify-harness.js';

adapterSuite('handler.express() (Express 5)', serve);

describe('handler.express() behind a body parser', () => {
  it('answers 5xx (never 2xx) when express.json() consumed the body first, and reports the fix; express.raw() bytes are used', () => withRecordingHandler(async ({ sandbox, handler, runs, reported }) => {
    const app = express();
    app.post('/parsed', express.json(), handler.express());
    app.post('/raw', express.raw({ type: '*/*' }), handler.express());
    const server = await listening(app.listen(0, '127.0.0.1'));
    try {
      const parsed = await sandbox.notify(`${server.url}/parsed`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'P1' } });
      expect(parsed.status).toBe(500);
      expect(JSON.parse(parsed.body)).toEqual({ code: 'FAIL', message: expect.stringContaining('body parser') });
      expect(reported).toEqual([expect.stringMatching(/^body: .*mount the notification handler before any body parser/)]);
      const raw = await sandbox.notify(`${server.url}/raw`, { event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: 'P2' } });
      expect(raw.status).toBe(204);
      expect(runs).toEqual(['P2']);
    } finally {
      await server.close();
    }
  }), 30_000);

  it('leaves the rest of the example app parsing JSON', () => withRecordingHandler(async ({ handler }) => {
    const server = await listening(createApp(handler).listen(0, '127.0.0.1'));
    try {
      const echo = await send(`${server.url}/api/echo`, { 'Content-Type': 'application/json' }, '{"a":1}');
      expect(JSON.parse(echo.body)).toEqual({ a: 1 });
    } finally {
      await server.close();
    }
  }), 30_000);
});
