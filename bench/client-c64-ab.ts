/**
 * Two builds of the client side by side at N calls in flight (default 64) over loopback HTTP, against
 * bench/throughput.ts's server: each round runs one client process per build, in alternating order, and reports
 * the client's CPU time per call (all threads) and calls/s. "before" is the other build, "after" this tree's dist.
 * No profiler: the figures are those bench/throughput.ts measures, for two builds instead of four libraries.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && ln -s "$PWD/../main/node_modules" . && npm run build)
 *   npm run build && npx tsx bench/client-c64-ab.ts [--rounds 8] [--seconds 2] [--concurrency 64] /tmp/before/dist/esm/index.js
 *
 * `--before-env NAME=VALUE` (repeatable) sets a variable in the "before" process only (`UV_THREADPOOL_SIZE=2`, say);
 * with the same build on both sides, it measures a setting.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, nativeOrder } from './native-call.js';


interface ClientSetup {
  build: string;
  baseURL: string;
  privateKey: string;
  platformPublic: string;
  seconds: number;
  concurrency: number;
}

interface Result {
  calls: number;
  seconds: number;
  cpuMs: number;
  /** Event-loop delay p99, ms (1 ms resolution, the 1 ms included, as bench/throughput.ts reads it). */
  eldP99: number;
}

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1] ?? fallback;
}

async function clientRole(): Promise<void> {
  const setup = await new Promise<ClientSetup>((resolve) => process.once('message', (message) => resolve(message as ClientSetup)));
  const { Builder } = (await import(setup.build)) as typeof import('../lib/index.js');
  const client = Builder.factory({ mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: setup.privateKey, certs: { [PLATFORM_SERIAL]: setup.platformPublic }, baseURL: setup.baseURL });
  const call = nativeOrder(client, 'AB');

  const run = async (ms: number): Promise<Result> => {
    let calls = 0;
    const deadline = performance.now() + ms;
    const cpu = process.cpuUsage();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    await Promise.all(Array.from({ length: setup.concurrency }, async () => {
      while (performance.now() < deadline) {
        await call();
        calls += 1;
      }
    }));
    const used = process.cpuUsage(cpu);
    delay.disable();
    return { calls, seconds: (performance.now() - started) / 1000, cpuMs: (used.user + used.system) / 1000, eldP99: delay.percentile(99) / 1e6 };
  };
  await run(2000);
  process.send!({ ready: true });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'run') void run(setup.seconds * 1000).then((result) => process.send!(result));
    else process.disconnect();
  });
}

function beforeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  process.argv.forEach((arg, index) => {
    if (arg !== '--before-env') return;
    const [name, ...value] = (process.argv[index + 1] ?? '').split('=');
    env[name!] = value.join('=');
  });
  return env;
}

const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => key.export({ type, format: 'pem' }).toString();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function orchestrate(): Promise<void> {
  const other = process.argv.at(-1)!;
  if (!other.endsWith('.js')) throw new Error('usage: npx tsx bench/client-c64-ab.ts [--rounds N] [--seconds S] [--concurrency C] /path/to/other/dist/esm/index.js');
  const builds = { before: new URL(other, 'file:///').href, after: new URL('../dist/esm/index.js', import.meta.url).href };
  const rounds = Number(flag('--rounds', '8'));
  const seconds = Number(flag('--seconds', '2'));
  const concurrency = Number(flag('--concurrency', '64'));
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server: ChildProcess = fork(fileURLToPath(new URL('./throughput.ts', import.meta.url)), ['server'],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  server.send({ merchantPrivate: pem(merchant.privateKey, 'pkcs8'), merchantPublic: pem(merchant.publicKey, 'spki'), platformPrivate: pem(platform.privateKey, 'pkcs8'), platformPublic: pem(platform.publicKey, 'spki') });
  const { port } = await new Promise<{ port: number }>((resolve) => server.once('message', (message) => resolve(message as { port: number })));
  const results: Record<'before' | 'after', Result[]> = { before: [], after: [] };
  console.log(`${rounds} rounds of ${seconds} s at ${concurrency} in flight; load average ${loadavg()[0]!.toFixed(2)} before`);
  const clients = {} as Record<'before' | 'after', ChildProcess>;
  for (const name of ['before', 'after'] as const) {
    const env = name === 'before' ? { ...process.env, ...beforeEnv() } : process.env;
    const client = clients[name] = fork(fileURLToPath(import.meta.url), ['client'], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    client.send({ build: builds[name], baseURL: `http://127.0.0.1:${port}/`, privateKey: pem(merchant.privateKey, 'pkcs8'), platformPublic: pem(platform.publicKey, 'spki'), seconds, concurrency } satisfies ClientSetup);
    await new Promise((resolve) => client.once('message', resolve));
  }
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ['after', 'before'] as const : ['before', 'after'] as const) {
      clients[name].send({ type: 'run' });
      results[name].push(await new Promise<Result>((resolve) => clients[name].once('message', (message) => resolve(message as Result))));
    }
    const last = (name: 'before' | 'after') => results[name].at(-1)!;
    console.log(`  round ${round + 1}: before ${(last('before').cpuMs / last('before').calls).toFixed(3)} ms/call ${(last('before').calls / last('before').seconds).toFixed(0)}/s eld ${last('before').eldP99.toFixed(1)}, ` +
      `after ${(last('after').cpuMs / last('after').calls).toFixed(3)} ms/call ${(last('after').calls / last('after').seconds).toFixed(0)}/s eld ${last('after').eldP99.toFixed(1)}`);
  }
  for (const client of Object.values(clients)) client.send({ type: 'exit' });
  server.send({ type: 'exit' });
  const cpu = (name: 'before' | 'after') => results[name].map((r) => r.cpuMs / r.calls);
  const rate = (name: 'before' | 'after') => results[name].map((r) => r.calls / r.seconds);
  console.log(`medians: CPU ms/call before ${median(cpu('before')).toFixed(3)}, after ${median(cpu('after')).toFixed(3)} ` +
    `(after/before ${median(cpu('after').map((v, i) => v / cpu('before')[i]!)).toFixed(3)}); calls/s before ${median(rate('before')).toFixed(0)}, ` +
    `after ${median(rate('after')).toFixed(0)} (after/before ${median(rate('after').map((v, i) => v / rate('before')[i]!)).toFixed(3)}); ` +
    `event-loop delay p99 before ${median(results.before.map((r) => r.eldP99)).toFixed(1)} ms, after ${median(results.after.map((r) => r.eldP99)).toFixed(1)} ms; load average ${loadavg()[0]!.toFixed(2)} after`);
}

if (process.argv[2] === 'client') await clientRole();
else await orchestrate();
