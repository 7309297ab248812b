/**
 * A CPU profile of our client alone at N calls in flight (default 64) against bench/throughput.ts's loopback
 * server: the client runs in its own process, profiled (the V8 profiler, as `node --cpu-prof`, through
 * node:inspector so that only the measured run is in it), the server (throughput.ts's `server` role) in another. Prints the client's calls/s and CPU per call, then the top self-time entries of the profile
 * (functions by file:line, % of the samples, and microseconds per call), and keeps the .cpuprofile for
 * Chrome DevTools or speedscope.
 *
 *   npm run build && npx tsx bench/profile-client.ts [--seconds 8] [--concurrency 64] [--top 15] [--dir /tmp/wechatpay-profile]
 *
 *   npx tsx bench/profile-client.ts summarize <file.cpuprofile> [--top 15]   (the tables of any profile)
 *
 * The machine is shared: compare the relative self times of two profiles, not absolute figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, nativeOrder } from './native-call.js';


function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1] ?? fallback;
}

interface ClientSetup {
  baseURL: string;
  privateKey: string;
  platformPublic: string;
  seconds: number;
  concurrency: number;
  file: string;
}

/** The profiled process: the built client, calling as fast as `concurrency` calls in flight allow. */
async function clientRole(): Promise<void> {
  const setup = await new Promise<ClientSetup>((resolve) => process.once('message', (message) => resolve(message as ClientSetup)));
  const built = new URL('../dist/esm/index.js', import.meta.url);
  const { Builder } = (await import(built.href)) as typeof import('../lib/index.js');
  const client = Builder.factory({ mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: setup.privateKey, certs: { [PLATFORM_SERIAL]: setup.platformPublic }, baseURL: setup.baseURL });
  const call = nativeOrder(client, 'PROFILE');

  const run = async (ms: number) => {
    let count = 0;
    const deadline = performance.now() + ms;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: setup.concurrency }, async () => {
      while (performance.now() < deadline) {
        await call();
        count += 1;
      }
    }));
    const used = process.cpuUsage(cpu);
    return { calls: count, seconds: (performance.now() - started) / 1000, cpuMs: (used.user + used.system) / 1000 };
  };
  await run(1500); // warm-up: JIT, sockets
  // Only the measured run is profiled (not the start-up, module loading or the warm-up).
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  const result = await run(setup.seconds * 1000);
  const { profile } = await post('Profiler.stop') as { profile: unknown };
  writeFileSync(setup.file, JSON.stringify(profile));
  session.disconnect();
  process.send!(result);
  process.disconnect();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** The top self-time entries of a .cpuprofile: function, place, share of all samples. */
function topSelf(file: string, top: number, calls: number, jsOnly = false): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number };
  const totals = new Map<string, number>();
  let all = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    all += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (jsOnly && !url) continue;
    const place = url ? `${url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\/esm\//, 'dist/esm/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${place}`.trim();
    totals.set(key, (totals.get(key) ?? 0) + hits);
  }
  const usPerSample = (profile.endTime - profile.startTime) / all;
  if (top === 0) {
    // Shares by where the code is: ours (dist), axios, node's own JavaScript, everything else (native, GC, idle).
    const shares = { ours: 0, axios: 0, node: 0, rest: 0 };
    for (const node of profile.nodes) {
      const { url } = node.callFrame;
      const where = url.includes('/dist/esm/') ? 'ours' : url.includes('/axios/') ? 'axios' : url.startsWith('node:') ? 'node' : 'rest';
      shares[where] += node.hitCount ?? 0;
    }
    return [`by origin: ours ${(100 * shares.ours / all).toFixed(1)}% (${(shares.ours * usPerSample / calls).toFixed(1)} us/call), axios ${(100 * shares.axios / all).toFixed(1)}% ` +
      `(${(shares.axios * usPerSample / calls).toFixed(1)} us/call), node's JavaScript ${(100 * shares.node / all).toFixed(1)}%, native/GC/idle ${(100 * shares.rest / all).toFixed(1)}%`];
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([key, hits], rank) => `${String(rank + 1).padStart(3)}. ${(100 * hits / all).toFixed(1).padStart(5)}%  ${(hits * usPerSample / calls).toFixed(1).padStart(6)} us/call  ${key}`);
}

const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => key.export({ type, format: 'pem' }).toString();

async function orchestrate(): Promise<void> {
  if (!existsSync(new URL('../dist/esm/index.js', import.meta.url))) throw new Error('bench/profile-client.ts profiles the built package: run `npm run build` first');
  const seconds = Number(flag('--seconds', '8'));
  const concurrency = Number(flag('--concurrency', '64'));
  const top = Number(flag('--top', '15'));
  const dir = flag('--dir', '/tmp/wechatpay-profile');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `client-${concurrency}-${Date.now()}.cpuprofile`);
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const throughput = fileURLToPath(new URL('./throughput.ts', import.meta.url));
  const server: ChildProcess = fork(throughput, ['server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  server.send({ merchantPrivate: pem(merchant.privateKey, 'pkcs8'), merchantPublic: pem(merchant.publicKey, 'spki'), platformPrivate: pem(platform.privateKey, 'pkcs8'), platformPublic: pem(platform.publicKey, 'spki') });
  const { port } = await new Promise<{ port: number }>((resolve) => server.once('message', (message) => resolve(message as { port: number })));
  const load = loadavg()[0]!.toFixed(2);
  const client = fork(fileURLToPath(import.meta.url), ['client'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  client.send({ baseURL: `http://127.0.0.1:${port}/`, privateKey: pem(merchant.privateKey, 'pkcs8'), platformPublic: pem(platform.publicKey, 'spki'), seconds, concurrency, file } satisfies ClientSetup);
  const result = await new Promise<{ calls: number; seconds: number; cpuMs: number }>((resolve) => client.once('message', (message) => resolve(message as never)));
  await new Promise((resolve) => client.once('exit', resolve));
  server.send({ type: 'exit' });
  console.log(`ours at ${concurrency} in flight, ${seconds} s (load average ${load} before): ${(result.calls / result.seconds).toFixed(0)} calls/s, ` +
    `${(result.cpuMs / result.calls).toFixed(3)} ms CPU/call (all threads); profile ${file}`);
  console.log(`top ${top} self time of the client's main thread during the measured run (share of the samples, us per call):`);
  for (const line of topSelf(file, top, result.calls)) console.log(line);
  // The profiler samples by wall clock: on a loaded machine a thread preempted right after waking another (the
  // thread pool's, in a crypto job's `run`; the server, in `writev`) is charged there. The JavaScript alone:
  console.log(`top ${top} self time in JavaScript (node's own, the packages' and ours; shares of all samples):`);
  for (const line of topSelf(file, top, result.calls, true)) console.log(line);
  for (const line of topSelf(file, 0, result.calls)) console.log(line);
}

if (process.argv[2] === 'client') await clientRole();
else if (process.argv[2] === 'summarize') {
  // Any .cpuprofile (`node --cpu-prof --import tsx bench/client.ts`): the same two tables, shares only.
  for (const jsOnly of [false, true]) for (const line of topSelf(process.argv[3]!, Number(flag('--top', '15')), Number.NaN, jsOnly)) console.log(line);
} else await orchestrate();
