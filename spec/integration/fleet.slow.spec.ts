/**
 * A fleet: 8 processes (4 on ioredis, 4 on node-redis) started together against one sandbox, sharing one
 * redis-server. The platform certificates are downloaded once for all of them, a rotation costs the fleet at
 * most 2 downloads, a tampered record in Redis is refused by every process and replaced, one notification
 * delivered to all 8 at once runs its handler once (and again after a failure, on redelivery), and with
 * redis-server killed mid-run the calls go on while notifications are refused (5xx) rather than risk a
 * second run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { certificatePlatform, OUT_TRADE_NO, type CapturedNotification, type CertificatePlatform } from '../support/certificates.js';
import { CLIENTS, startRedis, type ConnectedClient, type RedisServer } from '../support/redis.js';
import type { WorkerCommand, WorkerSettings } from './fleet-worker.js';

const FLEET = 8;
const PREFIX = 'fleet:';
const root = join(__dirname, '..', '..');

interface Calls { statuses: number[]; serials: string[]; failures: string[] }
interface State { refreshes: Array<{ reason: string; source: string; added: string[] }>; errors: Array<{ code: string; message: string }> }

/** One child process, and the commands it is sent. */
class Worker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #next = 0;
  #stderr = '';
  readonly ready: Promise<void>;

  constructor(settings: WorkerSettings) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fleet-worker.ts'), JSON.stringify(settings)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    let started: () => void;
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      this.#child.once('exit', (code) => reject(new Error(`a worker exited with ${code}: ${this.#stderr}`)));
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: true; id: number; result?: unknown; error?: string };
      if (message.ready) return started();
      const pending = this.#pending.get(message.id)!;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
  }

  send<T>(command: WorkerCommand): Promise<T> {
    const id = (this.#next += 1);
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }

  async exit(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.removeAllListeners('exit');
    this.#child.once('exit', () => undefined);
    await this.send({ cmd: 'exit' }).catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    this.#child.kill('SIGKILL');
  }
}

let platform: CertificatePlatform;
let redis: RedisServer;
let inspector: ConnectedClient;
let fleet: Worker[];
const all = <T>(command: WorkerCommand) => Promise.all(fleet.map((worker) => worker.send<T>(command)));
const states = () => all<State>({ cmd: 'state' });
const notify = (worker: Worker, notification: CapturedNotification, fail = false) => worker.send<{ status: number; ran: number }>({
  cmd: 'notify', fail, body: notification.body.toString('base64'),
  headers: Object.fromEntries(Object.entries(notification.headers).map(([name, value]) => [name, String(value)])),
});

beforeAll(async () => {
  [platform, redis] = await Promise.all([certificatePlatform(), startRedis()]);
  inspector = await CLIENTS.ioredis(redis.url);
  const { certs: _certs, ...settings } = platform.sandbox.config;
  fleet = Array.from({ length: FLEET }, (_, index) => new Worker({
    settings, outTradeNo: OUT_TRADE_NO, redisUrl: redis.url, client: index % 2 ? 'node-redis' : 'ioredis', prefix: PREFIX,
  }));
  await Promise.all(fleet.map((worker) => worker.ready));
}, 120_000);

afterAll(async () => {
  await Promise.all((fleet ?? []).map((worker) => worker.exit()));
  await inspector?.close();
  await Promise.all([platform?.close(), redis?.stop()]);
}, 30_000);

describe('a fleet of 8 processes on one Redis', () => {
  it('downloads the platform certificates once for all of them', async () => {
    const before = platform.downloads();
    const calls = await all<Calls>({ cmd: 'calls', n: 3, concurrency: 3 });
    expect(calls.flatMap((each) => each.failures)).toEqual([]);
    expect(calls.flatMap((each) => each.statuses)).toEqual(Array(FLEET * 3).fill(200));
    expect(platform.downloads() - before).toBe(1);
    const sources = (await states()).flatMap((state) => state.refreshes.map((event) => event.source));
    expect(sources.sort()).toEqual(['download', ...Array(FLEET - 1).fill('store')]);
  }, 60_000);

  it('after a rotation, verifies answers signed by the new certificate in every process with at most 2 downloads', async () => {
    const { serial } = await platform.sandbox.certificates.rotate();
    const before = platform.downloads();
    const calls = await all<Calls>({ cmd: 'calls', n: 3, concurrency: 3 });
    expect(calls.flatMap((each) => each.failures)).toEqual([]);
    expect(calls.map((each) => each.serials)).toEqual(Array(FLEET).fill([serial]));
    expect(platform.downloads() - before).toBeLessThanOrEqual(2);
    for (const state of await states()) expect(state.refreshes.at(-1)).toEqual(expect.objectContaining({ reason: 'unknown-serial', added: [serial] }));
  }, 60_000);

  it('refuses a tampered record in every process, and replaces it with one download', async () => {
    const key = `${PREFIX}certificates:${platform.settings.mchid}`;
    const record = JSON.parse(String(await inspector.raw('GET', key))) as { body: string };
    await inspector.raw('SET', key, JSON.stringify({ ...record, body: record.body.replace('"data"', ' "data"') }));
    const errorsBefore = (await states()).map((state) => state.errors.length);
    // The download is held back, so that every process meets the tampered record before it is replaced.
    platform.sandbox.faults.inject({ delay: 1500 }, 1, '/v3/certificates');
    const { serial } = await platform.sandbox.certificates.rotate();
    const before = platform.downloads();
    const calls = await all<Calls>({ cmd: 'calls', n: 2, concurrency: 2 });
    expect(calls.flatMap((each) => each.failures)).toEqual([]);
    expect(calls.map((each) => each.serials)).toEqual(Array(FLEET).fill([serial]));
    expect(platform.downloads() - before).toBe(1);
    const reported = (await states()).map((state, index) => state.errors.slice(errorsBefore[index]));
    expect(reported).toEqual(Array(FLEET).fill([expect.objectContaining({ code: 'ECERT_STORE', message: expect.stringContaining('holds a record that is refused') })]));
    expect(JSON.parse(String(await inspector.raw('GET', key))).body).not.toBe(record.body);
  }, 60_000);

  it('runs the handler of one notification delivered to all 8 at once exactly once; a failure lets the redelivery run it again', async () => {
    const once = await platform.notification();
    const replies = await Promise.all(fleet.map((worker) => notify(worker, once)));
    expect(replies.reduce((sum, reply) => sum + reply.ran, 0)).toBe(1);
    expect(replies.map((reply) => reply.status)).toEqual(Array(FLEET).fill(204));
    // Delivered again later: handled already, nothing runs.
    expect(await Promise.all(fleet.map((worker) => notify(worker, once)))).toEqual(Array(FLEET).fill({ status: 204, ran: 0 }));

    const failing = await platform.notification();
    expect(await notify(fleet[3]!, failing, true)).toEqual({ status: 500, ran: 1 });
    const redelivered = await Promise.all(fleet.map((worker) => notify(worker, failing)));
    expect(redelivered.reduce((sum, reply) => sum + reply.ran, 0)).toBe(1);
    expect(redelivered.map((reply) => reply.status)).toEqual(Array(FLEET).fill(204));
  }, 60_000);

  it('with redis-server killed mid-run: 200 calls across the fleet succeed, a rotation included; notifications are refused with a 5xx', async () => {
    const running = all<Calls>({ cmd: 'calls', n: 25, concurrency: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await redis.kill();
    const { serial } = await platform.sandbox.certificates.rotate();
    const calls = await running;
    expect(calls.flatMap((each) => each.failures)).toEqual([]);
    expect(calls.flatMap((each) => each.statuses)).toEqual(Array(200).fill(200));
    const after = await all<Calls>({ cmd: 'calls', n: 1, concurrency: 1 });
    expect(after.map((each) => each.serials)).toEqual(Array(FLEET).fill([serial]));
    const notification = await platform.notification();
    const replies = await Promise.all(fleet.map((worker) => notify(worker, notification)));
    expect(replies).toEqual(Array(FLEET).fill({ status: 503, ran: 0 }));
    const codes = (await states()).map((state) => state.errors.at(-1)?.code);
    expect(codes).toEqual(Array(FLEET).fill('ECERT_STORE'));
  }, 60_000);
});
