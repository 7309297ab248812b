/** The transport: keep-alive connections, timeouts and axios settings, transport failures as typed errors. */
import { Builder } from '../../lib/core/builder.js';
import { RequestError } from '../../lib/errors.js';
import { Platform } from '../support/platform.js';

type AnyClient = any;
const platform = new Platform();
let client: AnyClient;

beforeAll(async () => {
  await platform.start();
  client = Builder.factory(platform.config());
});
beforeEach(() => {
  platform.respond = () => ({ body: '{"ok":true}' });
});
afterAll(() => platform.stop());


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
