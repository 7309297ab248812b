/** The transport: keep-alive connections, timeouts and axios settings, transport failures as typed errors. */
import type { Socket } from 'node:net';
import { Builder } from '../../lib/core/builder.js';
import { RequestError } from '../../lib/errors.js';
import { usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform('{"ok":true}');
let client: AnyClient;

beforeAll(() => {
  client = Builder.factory(platform.config());
});


describe('transport', () => {
  it('reuses one keep-alive connection across requests', async () => {
    await client.v3.a.get();
    const sockets: string[] = [];
    const server = platform.server!;
    const onConnection = (socket: import('node:net').Socket) => sockets.push(`${socket.remotePort}`);
    server.on('connection', onConnection);
    await client.v3.a.get();
    await client.v3.a.get();
    await client.v3.a.get();
    server.off('connection', onConnection);
    expect(sockets.length).toBeLessThanOrEqual(1);
  });

  describe('an idle keep-alive connection', () => {
    let watching: ((socket: Socket) => void) | undefined;
    const serverSockets = (): Socket[] => {
      const sockets: Socket[] = [];
      watching = (socket: Socket) => sockets.push(socket);
      platform.server!.on('connection', watching);
      return sockets;
    };
    const hinted = { Connection: 'keep-alive', 'Keep-Alive': 'timeout=2' };
    afterEach(() => {
      if (watching) platform.server!.off('connection', watching);
      platform.server!.keepAliveTimeout = 5_000;
    });

    it('is closed by the client a second before the server\'s Keep-Alive: timeout hint, though the server would keep it', async () => {
      platform.server!.keepAliveTimeout = 60_000;
      const sockets = serverSockets();
      platform.respond = () => ({ body: '{"ok":true}', headers: hinted });
      await (Builder.factory(platform.config()) as AnyClient).v3.a.get();
      expect(sockets).toHaveLength(1);
      const closed = await new Promise<boolean>((resolve) => {
        sockets[0]!.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 5_000).unref();
      });
      expect(closed).toBe(true);
    }, 10_000);

    it('is never cut under a request: an answer slower than the idle timeout arrives on the reused connection', async () => {
      const sockets = serverSockets();
      const fresh = Builder.factory(platform.config()) as AnyClient;
      platform.respond = () => ({ body: '{"ok":true}', headers: hinted });
      await fresh.v3.a.get();
      platform.respond = () => new Promise((resolve) => setTimeout(() => resolve({ body: '{"slow":true}', headers: hinted }), 1_500));
      await expect(fresh.v3.a.get()).resolves.toMatchObject({ status: 200, data: { slow: true } });
      expect(sockets).toHaveLength(1);
    }, 10_000);
  });

  it('honours a per-request timeout with a typed error of its own', async () => {
    platform.respond = () => new Promise((resolve) => setTimeout(() => resolve({ body: '{}' }), 500));
    await expect(client.v3.a.get({ timeout: 50 })).rejects.toMatchObject({ code: 'EREQUEST_TIMEOUT', constructor: RequestError });
  });

  it('honours a config-level timeout and other axios settings', async () => {
    platform.respond = () => new Promise((resolve) => setTimeout(() => resolve({ body: '{}' }), 500));
    const quick = Builder.factory(platform.config({ timeout: 50 })) as AnyClient;
    await expect(quick.v3.a.get()).rejects.toMatchObject({ code: 'EREQUEST_TIMEOUT' });
    platform.respond = () => ({ body: JSON.stringify({ big: 'x'.repeat(1000) }) });
    await expect(client.v3.a.get({ maxContentLength: 100 })).rejects.toMatchObject({ code: 'EREQUEST_ANSWER_TOO_LARGE' });
  });

  it('reports a refused connection as a transport error', async () => {
    const closed = Builder.factory(platform.config({ baseURL: 'http://127.0.0.1:9/' })) as AnyClient;
    await expect(closed.v3.a.get()).rejects.toMatchObject({ code: 'EREQUEST_TRANSPORT', method: 'GET', url: 'http://127.0.0.1:9/v3/a' });
  });
});
