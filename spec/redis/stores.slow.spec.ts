/**
 * The Redis stores against a real redis-server, with each client package: shapes recognised (a clear error
 * for anything else), keys under the prefix, the download lock (owner-only release, expiry), the
 * once-only notification protocol, and a deadline on every command.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ConfigError } from '../../lib/errors.js';
import { RedisCertificateStore, RedisNotificationStore, RedisStoreError } from '../../lib/redis/index.js';
import { CLIENT_NAMES, CLIENTS, startRedis, type ConnectedClient, type RedisServer } from '../support/redis.js';
import { rejected, thrown } from '../support/thrown.js';

const record = (body: string) => ({ downloadedAt: 1_700_000_000_000, headers: { 'Wechatpay-Serial': 'AA' }, body });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
}, 20_000);
afterAll(() => server?.stop());

describe('a client of an unknown shape', () => {
  it.each([
    [undefined, 'got undefined'],
    ['redis://127.0.0.1:6379', 'got a string'],
    [{}, 'got an object'],
    [new Map(), 'got an instance of Map'],
    [{ get: () => undefined, set: () => undefined }, 'neither call() and status (ioredis) nor sendCommand() and isOpen (node-redis)'],
  ])('is refused at construction, saying what was given (%#)', (client, said) => {
    for (const Store of [RedisCertificateStore, RedisNotificationStore]) {
      const error = thrown(() => new Store(client as never));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(Store.name);
      expect(error.message).toContain('ioredis');
      expect(error.message).toContain(said);
    }
  });

  it('as are unknown options and bad settings', async () => {
    const { client, close } = await CLIENTS.ioredis(server.url);
    try {
      expect(thrown(() => new RedisCertificateStore(client, { ttl: 5 } as never)).message).toContain('unknown option ttl');
      expect(thrown(() => new RedisNotificationStore(client, { timeout: 0 }))).toBeInstanceOf(ConfigError);
      expect(thrown(() => new RedisNotificationStore(client, { prefix: 'a b' })).message).toContain('prefix');
    } finally {
      await close();
    }
  });
});

describe.each(CLIENT_NAMES)('with %s', (name) => {
  let connected: ConnectedClient;
  let other: ConnectedClient;
  beforeAll(async () => {
    connected = await CLIENTS[name](server.url);
    other = await CLIENTS[name](server.url);
  });
  afterAll(async () => {
    await connected?.close();
    await other?.close();
  });
  const raw = (...args: string[]) => other.raw(...args);

  describe('RedisCertificateStore', () => {
    it('keeps one record per merchant under the prefix, which another process reads', async () => {
      const prefix = `${name}-a:`;
      const writer = new RedisCertificateStore(connected.client, { prefix });
      const reader = new RedisCertificateStore(other.client, { prefix });
      expect(await reader.get('1230000109')).toBeUndefined();
      await writer.set('1230000109', record('one'));
      await writer.set('1230000110', record('two'));
      expect(await reader.get('1230000109')).toEqual(record('one'));
      expect(await reader.get('1230000110')).toEqual(record('two'));
      expect(JSON.parse(String(await raw('GET', `${prefix}certificates:1230000109`)))).toEqual(record('one'));
      expect(new RedisCertificateStore(connected.client).key('1')).toBe('wechatpay:certificates:1');
    });

    it('says when the key holds something that is not JSON', async () => {
      const store = new RedisCertificateStore(connected.client, { prefix: `${name}-b:` });
      await raw('SET', `${name}-b:certificates:1230000109`, 'not json');
      expect(await rejected(store.get('1230000109'))).toMatchObject({ code: 'EREDIS_REPLY', message: expect.stringContaining('is not JSON') });
    });

    it('grants the download lock to one process at a time; only its owner releases it', async () => {
      const first = new RedisCertificateStore(connected.client, { prefix: `${name}-c:` });
      const second = new RedisCertificateStore(other.client, { prefix: `${name}-c:` });
      const taken = await first.lock('1230000109', 5000);
      const refused = await second.lock('1230000109', 5000);
      expect(taken.taken).toBe(true);
      expect(refused).toEqual({ taken: false, expiresIn: expect.any(Number) });
      expect(refused.taken === false && refused.expiresIn).toBeGreaterThan(4000);
      expect((await second.lock('1230000110', 5000)).taken).toBe(true);
      // Only the holder's token frees it: a lock someone else holds now is left alone.
      await raw('SET', `${name}-c:certificates:1230000109:lock`, 'someone-else', 'PX', '5000');
      if (taken.taken) await taken.release();
      expect(await raw('GET', `${name}-c:certificates:1230000109:lock`)).toBe('someone-else');
      await raw('DEL', `${name}-c:certificates:1230000109:lock`);
      const again = await second.lock('1230000109', 5000);
      expect(again.taken).toBe(true);
      if (again.taken) await again.release();
      expect(await raw('EXISTS', `${name}-c:certificates:1230000109:lock`)).toBe(0);
    });

    it('lets a lock whose holder died expire by itself', async () => {
      const store = new RedisCertificateStore(connected.client, { prefix: `${name}-d:` });
      expect((await store.lock('1230000109', 150)).taken).toBe(true);
      expect((await store.lock('1230000109', 150)).taken).toBe(false);
      await sleep(250);
      expect((await store.lock('1230000109', 150)).taken).toBe(true);
    });
  });

  describe('RedisNotificationStore', () => {
    it('claims an id once: busy while leased, done once completed, for the time asked', async () => {
      const first = new RedisNotificationStore(connected.client, { prefix: `${name}-n:` });
      const second = new RedisNotificationStore(other.client, { prefix: `${name}-n:` });
      expect(await first.state('v3:EV-1')).toBe('free');
      expect(await first.claim('v3:EV-1', 'owner-a', 60_000)).toBe('claimed');
      expect(await second.claim('v3:EV-1', 'owner-b', 60_000)).toBe('busy');
      expect(await second.state('v3:EV-1')).toBe('busy');
      const pttl = Number(await raw('PTTL', `${name}-n:notifications:v3:EV-1`));
      expect(pttl).toBeGreaterThan(55_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
      await first.complete('v3:EV-1', 25 * 3600_000);
      expect(await second.claim('v3:EV-1', 'owner-b', 60_000)).toBe('done');
      expect(await second.state('v3:EV-1')).toBe('done');
      expect(Number(await raw('PTTL', `${name}-n:notifications:v3:EV-1`))).toBeGreaterThan(25 * 3600_000 - 60_000);
    });

    it('frees an id on release by its owner only, and when a lease lapses', async () => {
      const store = new RedisNotificationStore(connected.client, { prefix: `${name}-r:` });
      expect(await store.claim('v3:EV-2', 'owner-a', 60_000)).toBe('claimed');
      await store.release('v3:EV-2', 'owner-b');
      expect(await store.state('v3:EV-2')).toBe('busy');
      await store.release('v3:EV-2', 'owner-a');
      expect(await store.state('v3:EV-2')).toBe('free');
      expect(await store.claim('v3:EV-2', 'owner-b', 100)).toBe('claimed');
      await sleep(200);
      expect(await store.state('v3:EV-2')).toBe('free');
      expect(await store.claim('v3:EV-2', 'owner-c', 60_000)).toBe('claimed');
      // A done id stays done, whoever releases.
      await store.complete('v3:EV-2', 25 * 3600_000);
      await store.release('v3:EV-2', 'owner-c');
      expect(await store.state('v3:EV-2')).toBe('done');
    });

    it('gives exactly one of many simultaneous claims', async () => {
      const stores = [connected, other].map((each) => new RedisNotificationStore(each.client, { prefix: `${name}-m:` }));
      const claims = await Promise.all(Array.from({ length: 40 }, (_, index) => stores[index % 2]!.claim('v3:EV-3', `owner-${index}`, 60_000)));
      expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim === 'busy')).toHaveLength(39);
    });

    it('says when a key holds what it never writes', async () => {
      const store = new RedisNotificationStore(connected.client, { prefix: `${name}-x:` });
      await raw('SET', `${name}-x:notifications:v3:EV-4`, 'something else');
      expect(await rejected(store.state('v3:EV-4'))).toMatchObject({ code: 'EREDIS_REPLY' });
    });
  });
});

describe('a Redis that does not answer', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    // Accepts connections and answers the handshake of neither client: every command waits.
    silent = createServer((socket) => {
      sockets.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('fails each command at the store\'s deadline (ioredis with its offline queue on: the default)', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    try {
      const certificates = new RedisCertificateStore(client, { timeout: 100 });
      const notifications = new RedisNotificationStore(client, { timeout: 100 });
      for (const pending of [certificates.get('1230000109'), certificates.lock('1230000109', 5000), notifications.claim('v3:EV-5', 'owner', 60_000)]) {
        const error = await rejected(pending);
        expect(error).toBeInstanceOf(RedisStoreError);
        expect(error).toMatchObject({ code: 'EREDIS_TIMEOUT', message: expect.stringContaining('within 100 ms') });
      }
    } finally {
      client.disconnect();
    }
  });

  it('fails each command at the store\'s deadline (node-redis, its queued command withdrawn)', async () => {
    const { createClient } = await import('redis');
    const client = createClient({ socket: { host: '127.0.0.1', port, connectTimeout: 60_000 } });
    client.on('error', () => undefined);
    const connecting = client.connect().catch(() => undefined);
    try {
      const store = new RedisNotificationStore(client, { timeout: 100 });
      expect(await rejected(store.state('v3:EV-6'))).toMatchObject({ code: 'EREDIS_TIMEOUT' });
    } finally {
      client.destroy();
      await connecting;
    }
  });

  it('fails at once when the client is closed', async () => {
    const { client, close } = await CLIENTS['node-redis'](server.url);
    await close();
    expect(await rejected(new RedisNotificationStore(client).state('v3:EV-7'))).toMatchObject({ code: 'EREDIS_COMMAND' });
  });
});
