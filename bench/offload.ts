/**
 * Where RSA work should run when calls overlap: inline on the event loop, on libuv's thread pool (node:crypto's
 * callback forms), or on a pool of worker_threads holding the key. Measures RSA-2048 SHA-256 sign and verify of
 * an APIv3 signing string at 1 and 64 operations in flight: operations per second, the event loop's utilisation
 * (what is left for everything else), the median latency of one operation. Rounds alternate the order of the
 * modes; figures are medians of the rounds.
 *
 *   npx tsx bench/offload.ts [rounds=7] [msPerTurn=400]
 *
 * bench/throughput.ts's header records what this measured and the choice made from it.
 */
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const rounds = Number(process.argv[2] ?? 7);
const msPerTurn = Number(process.argv[3] ?? 400);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const message = Buffer.from(
  'POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n' +
  '{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"Image形象店-深圳腾大-QQ公仔",' +
  '"out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php",' +
  '"amount":{"total":100,"currency":"CNY"}}\n');
const signature = sign('sha256', message, privateKey);

/** The worker side: signs or verifies with the key it was given once. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { sign, verify } = require('node:crypto');
const { privateKey, publicKey } = workerData;
parentPort.on('message', ({ id, op, data, signature }) => {
  if (op === 'sign') parentPort.postMessage({ id, result: sign('sha256', data, privateKey) });
  else parentPort.postMessage({ id, result: verify('sha256', data, publicKey, signature) });
});`;

/** A pool of worker_threads, each holding both keys; jobs go to the least busy worker. */
class WorkerPool {
  readonly #workers: Array<{ worker: Worker; busy: number }>;
  readonly #pending = new Map<number, (result: unknown) => void>();
  #next = 0;

  constructor(size: number, keys: { privateKey: KeyObject; publicKey: KeyObject }) {
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER, { eval: true, workerData: keys });
      const entry = { worker, busy: 0 };
      worker.on('message', ({ id, result }: { id: number; result: unknown }) => {
        entry.busy -= 1;
        const resolve = this.#pending.get(id)!;
        this.#pending.delete(id);
        resolve(result);
      });
      return entry;
    });
  }

  close(): void {
    for (const { worker } of this.#workers) void worker.terminate();
  }

  run(job: { op: 'sign' | 'verify'; data: Buffer; signature?: Buffer }): Promise<unknown> {
    const id = this.#next++;
    let chosen = this.#workers[0]!;
    for (const entry of this.#workers) if (entry.busy < chosen.busy) chosen = entry;
    chosen.busy += 1;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      chosen.worker.postMessage({ id, ...job });
    });
  }
}

const workers = new WorkerPool(availableParallelism(), { privateKey, publicKey });

type Operation = () => Promise<unknown>;
const modes: Record<string, { sign: Operation; verify: Operation }> = {
  inline: {
    sign: async () => sign('sha256', message, privateKey),
    verify: async () => verify('sha256', message, publicKey, signature),
  },
  'thread pool': {
    sign: () => new Promise((resolve, reject) => sign('sha256', message, privateKey, (error, result) => (error ? reject(error) : resolve(result)))),
    verify: () => new Promise((resolve, reject) => verify('sha256', message, publicKey, signature, (error, result) => (error ? reject(error) : resolve(result)))),
  },
  'worker pool': {
    sign: () => workers.run({ op: 'sign', data: message }),
    verify: () => workers.run({ op: 'verify', data: message, signature }),
  },
};

interface Turn {
  opsPerSecond: number;
  elu: number;
  p50: number;
}

async function turn(operation: Operation, inFlight: number, ms: number): Promise<Turn> {
  const latencies: number[] = [];
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await operation();
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    opsPerSecond: (latencies.length * 1000) / elapsed,
    elu: performance.eventLoopUtilization(elu).utilization,
    p50: latencies[Math.floor(latencies.length / 2)]! * 1000,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const names = Object.keys(modes);
  const cases = names.flatMap((mode) => (['sign', 'verify'] as const).flatMap((op) => [1, 64].map((inFlight) => ({ mode, op, inFlight }))));
  for (const { mode, op, inFlight } of cases) await turn(modes[mode]![op], inFlight, 100); // warm-up
  const samples = new Map<string, Turn[]>();
  for (let round = 0; round < rounds; round++) {
    for (const { mode, op, inFlight } of round % 2 === 0 ? cases : [...cases].reverse()) {
      const key = `${op} ${inFlight} ${mode}`;
      samples.set(key, [...(samples.get(key) ?? []), await turn(modes[mode]![op], inFlight, msPerTurn)]);
    }
  }
  console.log(`RSA-2048 SHA-256, ${rounds} alternating rounds of ${msPerTurn} ms; node ${process.version}, ${availableParallelism()} CPUs, ` +
    `UV_THREADPOOL_SIZE ${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}, ${availableParallelism()} workers; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${'operation'.padEnd(12)}${'in flight'.padEnd(11)}${'mode'.padEnd(13)}${'ops/s'.padStart(8)}${'loop busy'.padStart(11)}${'p50 us'.padStart(9)}`);
  for (const op of ['sign', 'verify']) {
    for (const inFlight of [1, 64]) {
      for (const mode of names) {
        const list = samples.get(`${op} ${inFlight} ${mode}`)!;
        console.log(`${op.padEnd(12)}${String(inFlight).padEnd(11)}${mode.padEnd(13)}${median(list.map((t) => t.opsPerSecond)).toFixed(0).padStart(8)}` +
          `${(median(list.map((t) => t.elu)) * 100).toFixed(0).padStart(10)}%${median(list.map((t) => t.p50)).toFixed(0).padStart(9)}`);
      }
    }
  }
}

await main();
workers.close();
