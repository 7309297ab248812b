/**
 * `autoCertificates` against the sandbox, which rotates its platform certificate on request: one download
 * for the first calls however many start at once, calls that keep working across rotations, a forged serial
 * (or a flood of them) that cannot make the client download in a loop, a timer that picks up announced certificates, failures
 * that keep the keys, a store shared by clients, notifications verified with the refreshed keys, and
 * certificates trusted until they expire. Waits for a time to come (a key switch, a rate-limit window, an expiry)
 * move the wall clock ahead (spec/support/clock.ts) instead of sleeping.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, Builder, CertificateError, ConfigError, FileCertificateStore, VerificationError, type CertificateRefresh, type Client, type WechatpayError } from '../../lib/index.js';
import { LOOK_UPS_PER_WINDOW } from '../../lib/core/auto-certificates.js';
import { certificatePlatform, eventually, type CertificatePlatform } from '../support/certificates.js';
import { clockAhead, realClock } from '../support/clock.js';
import { rejected, thrown } from '../support/thrown.js';

let platform: CertificatePlatform;
const folders: string[] = [];

beforeAll(async () => {
  platform = await certificatePlatform();
}, 30_000);
afterEach(realClock);
afterAll(async () => {
  await platform.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A client with autoCertificates, recording its refreshes and errors. */
function autoClient(options: { refreshInterval?: number; minInterval?: number; store?: FileCertificateStore } = {}, baseURL = platform.settings.baseURL) {
  const refreshes: CertificateRefresh[] = [];
  const errors: WechatpayError[] = [];
  const client = Builder.factory({
    ...platform.settings,
    baseURL,
    autoCertificates: { minInterval: 1000, ...options, onRefresh: (event) => refreshes.push(event), onError: (error) => errors.push(error) },
  });
  return { client, refreshes, errors };
}

const serialOf = (answer: { headers: Record<string, unknown> }): string => String(answer.headers['wechatpay-serial']);

describe('the first calls', () => {
  it('download the certificates once, however many start at once', async () => {
    const before = platform.downloads();
    const { client, refreshes } = autoClient();
    const answers = await Promise.all(Array.from({ length: 100 }, () => platform.query(client)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(platform.downloads() - before).toBe(1);
    expect(refreshes).toEqual([expect.objectContaining({ reason: 'first-use', source: 'download', added: [platform.sandbox.platform.serial], signedBy: platform.sandbox.platform.serial })]);
    expect(client.certificates.list()).toEqual([expect.objectContaining({ id: platform.sandbox.platform.serial, kind: 'certificate', source: 'downloaded' })]);
  }, 60_000);

  it('encrypt before any key is there: a clear error; after ready(), for the newest certificate, which the platform accepts', async () => {
    const { client } = autoClient();
    expect(thrown(() => client.encrypt('张三'))).toMatchObject({ code: 'ECERT_NOT_READY', message: expect.stringContaining('client.certificates.ready()') });
    await client.certificates.ready();
    // Announced, signing only in an hour: encryption takes the newest certificate all the same.
    const newest = await platform.sandbox.certificates.rotate({ at: Date.now() + 3600_000 });
    await client.certificates.refresh();
    const added = await client.v3.profitsharing.receivers.add.post({
      json: { appid: 'wxd678efh567hg6787', type: 'PERSONAL_OPENID', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', name: client.encrypt('张三'), relation_type: 'PARTNER' },
    });
    expect(added.config.headers['Wechatpay-Serial']).toBe(newest.serial);
  });
});

describe('rotations', () => {
  it('1,000 calls across two rotations: no call fails, and each rotation costs one download', async () => {
    const { client, refreshes, errors } = autoClient({ minInterval: 60_000 });
    const before = platform.downloads();
    const original = platform.sandbox.certificates.view().signing;
    const seen = new Map<string, number>();
    const failures: unknown[] = [];
    let second: string | undefined;
    for (let batch = 0; batch < 40; batch += 1) {
      if (batch === 8) await platform.sandbox.certificates.rotate({ at: Date.now() + 300 });
      // The second rotation comes within the rate-limit window of the first look-up: a new serial is looked up all the same.
      if (batch === 24) second = (await platform.sandbox.certificates.rotate()).serial;
      const results = await Promise.allSettled(Array.from({ length: 25 }, () => platform.query(client)));
      for (const result of results) {
        if (result.status === 'rejected') failures.push(result.reason);
        else seen.set(serialOf(result.value), (seen.get(serialOf(result.value)) ?? 0) + 1);
      }
    }
    expect(failures).toEqual([]);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    // Three keys signed answers: the original, the first rotation's, the second's.
    expect(seen.size).toBe(3);
    expect(seen.has(original)).toBe(true);
    expect(seen.has(second!)).toBe(true);
    expect(platform.downloads() - before).toBe(3);
    expect(refreshes.map((event) => event.reason)).toEqual(['first-use', 'unknown-serial', 'unknown-serial']);
    expect(errors).toEqual([]);
    // Every certificate is still trusted (none has expired).
    expect(client.certificates.list().map((key) => key.id)).toEqual(expect.arrayContaining([...seen.keys()]));
  }, 120_000);

  it('two rotations within one rate-limit window: the second new serial is learned too, not refused', async () => {
    const { client, refreshes, errors } = autoClient({ minInterval: 60_000 });
    await platform.query(client);
    const before = platform.downloads();
    const first = await platform.sandbox.certificates.rotate();
    expect(serialOf(await platform.query(client))).toBe(first.serial);
    const second = await platform.sandbox.certificates.rotate();
    const answers = await Promise.all(Array.from({ length: 20 }, () => platform.query(client)));
    expect(answers.map(serialOf)).toEqual(Array(20).fill(second.serial));
    expect(platform.downloads() - before).toBe(2);
    expect(refreshes.map((event) => [event.reason, event.added])).toEqual([
      ['first-use', expect.any(Array)], ['unknown-serial', [first.serial]], ['unknown-serial', [second.serial]],
    ]);
    expect(errors).toEqual([]);
  });

  it('a timer picks up a certificate announced ahead, before answers switch to it', async () => {
    const { client, refreshes } = autoClient({ refreshInterval: 1000 });
    try {
      await platform.query(client);
      const before = platform.downloads();
      // An hour ahead, reached by moving the clock: the rest of this file (one sandbox) never sees the switch in real time.
      const switchAt = Date.now() + 3600_000;
      const { serial } = await platform.sandbox.certificates.rotate({ at: switchAt });
      await eventually(() => refreshes.some((event) => event.reason === 'timer' && event.added.includes(serial)));
      expect(Date.now()).toBeLessThan(switchAt);
      expect(client.certificates.list().map((key) => key.id)).toContain(serial);
      expect(platform.downloads() - before).toBeGreaterThanOrEqual(1);
      clockAhead(switchAt + 50 - Date.now());
      // Signed by the new key, known already: no look-up.
      expect(serialOf(await platform.query(client))).toBe(serial);
      expect(refreshes.map((event) => event.reason)).not.toContain('unknown-serial');
    } finally {
      client.certificates.stop();
    }
  }, 30_000);
});

describe('a forged serial', () => {
  it('causes at most one download per rate-limit window, and is refused', async () => {
    const { client } = autoClient({ minInterval: 60_000 });
    await platform.query(client);
    const before = platform.downloads();
    const start = Date.now();
    const forged = async (count: number) => {
      platform.sandbox.faults.inject('unknown-serial', count, '/v3/pay/');
      const results = await Promise.allSettled(Array.from({ length: count }, () => platform.query(client)));
      return results.map((result) => (result.status === 'rejected' ? (result.reason as WechatpayError).code : 'accepted'));
    };
    expect(await forged(5)).toEqual(Array(5).fill('EV3_RES_HEADER_PLATFORM_SERIAL'));
    expect(platform.downloads() - before).toBe(1);
    for (let round = 0; round < 3; round += 1) expect(await forged(2)).toEqual(['EV3_RES_HEADER_PLATFORM_SERIAL', 'EV3_RES_HEADER_PLATFORM_SERIAL']);
    expect(platform.downloads() - before).toBe(1);
    expect(Date.now() - start).toBeLessThan(60_000);
    clockAhead(start + 60_100 - Date.now());
    expect(await forged(3)).toEqual(Array(3).fill('EV3_RES_HEADER_PLATFORM_SERIAL'));
    expect(platform.downloads() - before).toBe(2);
    platform.sandbox.faults.inject('unknown-serial', 1, '/v3/pay/');
    const refused = await rejected(platform.query(client));
    expect(refused).toBeInstanceOf(VerificationError);
    expect(refused.message).toContain(`signed by the platform certificate ${'F'.repeat(40)}, which is not configured`);
    // The real keys still verify.
    expect((await platform.query(client)).status).toBe(200);
  }, 30_000);
});

describe('a flood of forged serials', () => {
  it(`costs at most ${LOOK_UPS_PER_WINDOW} downloads per rate-limit window, each forged answer is refused, genuine ones verify`, async () => {
    const forger = await forgingProxy(platform.settings.baseURL);
    try {
      const { client, errors } = autoClient({ minInterval: 60_000 }, forger.url);
      expect((await platform.query(client)).status).toBe(200);
      const before = platform.downloads();
      const codes = (results: PromiseSettledResult<unknown>[]) => results.map((result) => (result.status === 'rejected' ? (result.reason as WechatpayError).code : 'accepted'));
      forger.forge(30);
      expect(codes(await Promise.allSettled(Array.from({ length: 30 }, () => platform.query(client))))).toEqual(Array(30).fill('EV3_RES_HEADER_PLATFORM_SERIAL'));
      expect(forger.forged()).toBe(30);
      expect(platform.downloads() - before).toBe(LOOK_UPS_PER_WINDOW);
      forger.forge(10);
      for (let call = 0; call < 10; call += 1) expect(await rejected(platform.query(client))).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
      expect(platform.downloads() - before).toBe(LOOK_UPS_PER_WINDOW);
      expect((await platform.query(client)).status).toBe(200);
      expect(errors).toEqual([]);
    } finally {
      await forger.close();
    }
  });
});

/**
 * A man in the middle before the sandbox: answers of `v3/pay/` pass through, except the next `forge(n)` ones,
 * whose `Wechatpay-Serial` it replaces with a fresh random serial each (all else as signed).
 */
async function forgingProxy(target: string): Promise<{ url: string; forge(count: number): void; forged(): number; close(): Promise<void> }> {
  const upstream = new URL(target);
  let toForge = 0;
  let forged = 0;
  const server: Server = createServer((req, res) => {
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      if (toForge > 0 && req.url?.startsWith('/v3/pay/')) {
        toForge -= 1;
        forged += 1;
        headers['wechatpay-serial'] = randomBytes(20).toString('hex').toUpperCase();
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    forge: (count) => {
      toForge += count;
    },
    forged: () => forged,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('failures', () => {
  it('a failed scheduled refresh keeps the keys and reports through onError; calls go on', async () => {
    const { client, refreshes, errors } = autoClient({ refreshInterval: 1000 });
    try {
      await platform.query(client);
      platform.sandbox.faults.inject('server-error', 3, '/v3/certificates'); // all three attempts of one download (docs/resilience.md)
      await eventually(() => errors.length === 1);
      expect(errors[0]).toBeInstanceOf(ApiError);
      expect(errors[0]).toMatchObject({ code: 'SYSTEM_ERROR', status: 500 });
      expect((await platform.query(client)).status).toBe(200);
      // The next scheduled refresh works again.
      const count = refreshes.length;
      await eventually(() => refreshes.length > count);
      expect(refreshes.at(-1)!.reason).toBe('timer');
    } finally {
      client.certificates.stop();
    }
  }, 30_000);

  it('a failed look-up is reported, refuses only the answer that needed it, and the next call goes on', async () => {
    const { client, errors } = autoClient();
    await platform.query(client);
    platform.sandbox.faults.inject('unknown-serial', 1, '/v3/pay/');
    platform.sandbox.faults.inject('server-error', 3, '/v3/certificates'); // all three attempts of one download (docs/resilience.md)
    expect(await rejected(platform.query(client))).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    expect(errors).toEqual([expect.objectContaining({ code: 'SYSTEM_ERROR' })]);
    expect((await platform.query(client)).status).toBe(200);
  });

  it('a manual refresh that fails rejects, and the keys stay', async () => {
    const { client, errors } = autoClient();
    await platform.query(client);
    platform.sandbox.faults.inject('server-error', 3, '/v3/certificates'); // all three attempts of one download (docs/resilience.md)
    expect(await rejected(client.certificates.refresh())).toMatchObject({ code: 'SYSTEM_ERROR' });
    expect(errors).toEqual([]);
    expect((await platform.query(client)).status).toBe(200);
    expect(client.certificates.list()).toHaveLength(platform.sandbox.certificates.view().certificates.filter((c) => c.listed).length);
  });

  it('the first call without any key fails with the download error, and the next one tries again', async () => {
    const { client } = autoClient();
    platform.sandbox.faults.inject('server-error', 3, '/v3/certificates'); // all three attempts of one download (docs/resilience.md)
    expect(await rejected(platform.query(client))).toMatchObject({ code: 'SYSTEM_ERROR', url: expect.stringContaining('/v3/certificates') });
    clockAhead(1100);
    expect((await platform.query(client)).status).toBe(200);
  });
});

describe('a store', () => {
  it('lets a second client (another process) take the first one\'s download instead of downloading', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'wechatpay-fleet-'));
    folders.push(folder);
    const first = autoClient({ store: new FileCertificateStore(folder) });
    const second = autoClient({ store: new FileCertificateStore(folder) });
    const before = platform.downloads();
    await platform.query(first.client);
    await platform.query(second.client);
    expect(platform.downloads() - before).toBe(1);
    expect(first.refreshes.map((event) => event.source)).toEqual(['download']);
    expect(second.refreshes.map((event) => event.source)).toEqual(['store']);
    expect(second.client.certificates.list().map((key) => key.id).sort()).toEqual(first.client.certificates.list().map((key) => key.id).sort());
  });
});

describe('notifications through the client', () => {
  it('are verified with the refreshed keys: parse refuses an unknown serial, looks it up and says to use parseAsync, which waits for it', async () => {
    const { client } = autoClient();
    await platform.query(client);
    const before = platform.downloads();
    const { serial } = await platform.sandbox.certificates.rotate();
    const notification = await platform.notification();
    expect(notification.headers['wechatpay-serial']).toBe(serial);
    const refused = thrown(() => client.notification.parse(notification));
    expect(refused).toBeInstanceOf(VerificationError);
    expect(refused).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL', message: expect.stringContaining(`${serial} is being looked up now`) });
    expect(refused.message).toContain('await client.notification.parseAsync(request)');
    const envelope = await client.notification.parseAsync(notification);
    expect(envelope.resource).toEqual({ out_trade_no: 'KEYS-0001' });
    expect(client.notification.parse(notification).resource).toEqual({ out_trade_no: 'KEYS-0001' });
    expect(platform.downloads() - before).toBe(1);
  });

  it('parseAsync on a client that has made no call yet downloads first', async () => {
    const { client } = autoClient();
    const envelope = await client.notification.parseAsync(await platform.notification());
    expect(envelope.event_type).toBe('TRANSACTION.SUCCESS');
  });
});

describe('old certificates', () => {
  it('stay trusted after the platform stops listing them, until they expire', async () => {
    const { client } = autoClient();
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
    const shortLived = await platform.sandbox.certificates.rotate({ notBefore: new Date(Date.now() - 60_000), notAfter });
    expect(serialOf(await platform.query(client))).toBe(shortLived.serial);
    const next = await platform.sandbox.certificates.rotate();
    platform.sandbox.certificates.retire(shortLived.serial);
    expect(serialOf(await platform.query(client))).toBe(next.serial);
    const ids = () => client.certificates.list().map((key) => key.id);
    expect(ids()).toEqual(expect.arrayContaining([shortLived.serial, next.serial]));
    clockAhead(notAfter.getTime() + 200 - Date.now());
    expect(ids()).not.toContain(shortLived.serial);
    expect(ids()).toContain(next.serial);
  }, 30_000);
});

describe('configuration', () => {
  it('needs certs unless autoCertificates is on, and the APIv3 key when it is', () => {
    expect(thrown(() => Builder.factory({ ...platform.settings } as never))).toMatchObject({ field: 'certs', message: expect.stringContaining('autoCertificates: true') });
    const { apiv3Key: _apiv3Key, ...withoutKey } = platform.settings;
    expect(thrown(() => Builder.factory({ ...withoutKey, autoCertificates: true }))).toMatchObject({ field: 'apiv3Key', message: expect.stringContaining('autoCertificates') });
  });

  it.each([
    ['yes', 'autoCertificates'],
    [{ refreshInterval: 10 }, 'autoCertificates.refreshInterval'],
    [{ minInterval: Number.NaN }, 'autoCertificates.minInterval'],
    [{ store: {} }, 'autoCertificates.store'],
    [{ onError: 'log' }, 'autoCertificates.onError'],
    [{ every: 1000 }, 'autoCertificates'],
  ])('refuses autoCertificates %j', (value, field) => {
    const error = thrown(() => Builder.factory({ ...platform.settings, autoCertificates: value as never }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field });
  });

  it("the caller's instance-wide transformResponse and validateStatus do not reach the download", async () => {
    const client = Builder.factory({ ...platform.settings, autoCertificates: true, transformResponse: (data: unknown) => ({ wrapped: data }), validateStatus: () => true });
    const answer = await platform.query(client);
    expect(answer).toMatchObject({ status: 200, data: { wrapped: { out_trade_no: 'KEYS-0001' } } });
    expect(client.certificates.list()).toHaveLength(platform.sandbox.certificates.view().certificates.filter((c) => c.listed).length);
    platform.sandbox.certificates.setPublicKeyOnly(true);
    try {
      const none = Builder.factory({ ...platform.settings, autoCertificates: true, validateStatus: () => true });
      expect(await rejected(platform.query(none))).toMatchObject({ code: 'ECERT_NONE' });
    } finally {
      platform.sandbox.certificates.setPublicKeyOnly(false);
    }
  });

  it('client.certificates.refresh() is for autoCertificates clients; list() describes configured keys too', async () => {
    const client: Client = Builder.factory(platform.sandbox.config);
    expect(await rejected(client.certificates.refresh())).toMatchObject({ field: 'autoCertificates' });
    await client.certificates.ready();
    expect(client.certificates.list().map((key) => [key.kind, key.source]).sort()).toEqual([['certificate', 'configured'], ['public-key', 'configured']]);
  });

  it('a merchant without certificates, with autoCertificates only, gets the clear error (CertificateError ECERT_NONE)', async () => {
    platform.sandbox.certificates.setPublicKeyOnly(true);
    try {
      const { client } = autoClient();
      const error = await rejected(platform.query(client));
      expect(error).toBeInstanceOf(CertificateError);
      expect(error).toMatchObject({ code: 'ECERT_NONE' });
      expect(error.message).toContain('has no platform certificates (GET v3/certificates answered 404 RESOURCE_NOT_EXISTS)');
      expect(error.message).toContain("certs: { 'PUB_KEY_ID_...': 'file:///path/to/pub_key.pem' }");
    } finally {
      platform.sandbox.certificates.setPublicKeyOnly(false);
    }
  });
});
