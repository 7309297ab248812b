/**
 * downloadBill on a ~200 MB gzip trade bill (~770 MB of CSV, ~3M rows): throughput and peak RSS.
 *
 * The bill is generated once (cached in the OS temp dir) and served by a child process (the bill server
 * of spec/support over node:http on 127.0.0.1, checking the request signature), so this process holds
 * only the client. Three downloads: the good bill (gunzip + SHA1 over the decompressed bytes, to a
 * file), the same bytes announced with another hash (fails at the end), a bill with one byte flipped
 * mid-way (fails on the gzip check or the hash). After each failure there must be no file nor .partial.
 * Then the same three with `sink` (wechatpay-php's form: `client.v3.billdownload.file.get({ sink, query })`
 * after the client verified the bill's answer): the gzip saved as is, its CSV hashed beside the flow.
 *
 * Run: npx tsx bench/bill.ts [rows=3000000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { downloadBill, type BillAnswer } from '../lib/helpers/bill.js';
import { Builder } from '../lib/core/builder.js';
import { BillServer, tradeBill } from '../spec/support/bill-server.js';
import { keyPair, Platform, PLATFORM_SERIAL } from '../spec/support/platform.js';

const isServer = process.argv[2] === '--server';
const rows = Number((isServer ? process.argv[3] : process.argv[2]) ?? 3_000_000);
/** The child writes the bill into the parent's temporary folder, which the parent removes however the run ends. */
const workDir = isServer ? process.argv[4]! : '';
const MB = 1024 * 1024;

interface BillFile {
  path: string;
  sha1: string;
  gzipSize: number;
  plainSize: number;
}

/** The gzip bill: CSV generated lazily, SHA1 over the CSV, gzip to disk in `dir`. */
async function billFile(count: number, dir: string): Promise<BillFile> {
  const path = join(dir, `bill-${count}.csv.gz`);
  const started = performance.now();
  const hash = createHash('sha1');
  let plainSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      plainSize += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(tradeBill(count), tap, createGzip(), createWriteStream(`${path}.tmp`));
  renameSync(`${path}.tmp`, path);
  const file: BillFile = { path, sha1: hash.digest('hex'), gzipSize: statSync(path).size, plainSize };
  process.stderr.write(`generated ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return file;
}

/** The child: generate the bill, serve it, tell the parent where. */
async function serve(): Promise<void> {
  const file = await billFile(rows, workDir);
  const server = new BillServer(createPublicKey(process.env['MERCHANT_PUBLIC_KEY']!));
  const middle = Math.floor(file.gzipSize / 2);
  server.files.set('good', { body: () => createReadStream(file.path), length: file.gzipSize, headers: { 'Content-Type': 'application/x-gzip' } });
  server.files.set('corrupt', {
    body: () => {
      let at = 0;
      return createReadStream(file.path).pipe(new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          if (at <= middle && middle < at + chunk.length) chunk[middle - at]! ^= 0x55;
          at += chunk.length;
          callback(null, chunk);
        },
      }));
    },
    length: file.gzipSize,
  });
  // The answers that announce the bill (signed by this process's platform key, sent to the parent).
  const announce = (hash: string) => ({ hash_type: 'SHA1', hash_value: hash, download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=good' });
  server.answers.set('2025-01-01', announce(file.sha1));
  server.answers.set('2025-01-02', announce('ab'.repeat(20)));
  server.answers.set('2025-01-03', { ...announce(file.sha1), download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=corrupt' });
  await server.start();
  process.send!({ baseURL: server.baseURL, file, platformPem: keyPair('platform').publicPem });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const platform = new Platform();
  const work = mkdtempSync(join(tmpdir(), 'wechatpay-chain-bench-bill-'));
  const cleanUp = (): void => rmSync(work, { recursive: true, force: true });
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--server', String(rows), work], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, MERCHANT_PUBLIC_KEY: platform.merchant.publicPem },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { baseURL, file, platformPem } = await new Promise<{ baseURL: string; file: BillFile; platformPem: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { baseURL: string; file: BillFile; platformPem: string }));
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  const client = Builder.factory(platform.config({ baseURL, certs: { [PLATFORM_SERIAL]: platformPem } }));
  const out = join(work, 'out');
  mkdirSync(out);
  const answer = (token: string, sha1 = file.sha1): BillAnswer => ({
    hash_type: 'SHA1',
    hash_value: sha1,
    download_url: `https://api.mch.weixin.qq.com/v3/billdownload/file?token=${token}`,
  });

  console.log(`bill: ${rows.toLocaleString('en')} rows, ${(file.plainSize / MB).toFixed(0)} MiB CSV, ${(file.gzipSize / MB).toFixed(1)} MiB gzip`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);

  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  /** `download` resolves the bytes received and the bytes hashed. */
  const measure = async (name: string, to: string, expectedSize: number, download: () => Promise<{ received: number; bytes: number; hash: string }>) => {
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    peak = baseline;
    const timer = setInterval(sample, 10);
    const started = performance.now();
    let outcome: string;
    try {
      const result = await download();
      const seconds = (performance.now() - started) / 1000;
      outcome = `ok in ${seconds.toFixed(2)} s: ${(result.received / MB / seconds).toFixed(0)} MiB/s gzip in, `
        + `${(result.bytes / MB / seconds).toFixed(0)} MiB/s CSV hashed (verified SHA1 ${result.hash.slice(0, 12)}...), `
        + `file ${statSync(to).size === expectedSize ? 'complete' : 'WRONG SIZE'}`;
      rmSync(to);
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      const leftovers = readdirSync(out);
      outcome = `failed as it must after ${seconds.toFixed(2)} s: ${(error as { code?: string }).code} `
        + `(${(error as Error).message.slice(0, 90)}...); files left: ${leftovers.length === 0 ? 'none' : leftovers.join(', ')}`;
    } finally {
      clearInterval(timer);
    }
    sample();
    console.log(`\n${name}: ${outcome}`);
    console.log(`  RSS before ${(baseline / MB).toFixed(0)} MiB, peak during ${(peak / MB).toFixed(0)} MiB (+${((peak - baseline) / MB).toFixed(0)} MiB)`);
  };
  const run = (name: string, token: string, sha1?: string) => {
    const to = join(out, `${name}.csv`);
    return measure(name, to, file.plainSize, () => downloadBill(client, answer(token, sha1), { to, onProgress: (progress) => {
      if ((progress.decompressed & 0xfffff) < 65536) sample();
    } }));
  };
  const runSink = (name: string, billDate: string, token: string) => {
    const to = join(out, `${name}.csv.gz`);
    return measure(name, to, file.gzipSize, async () => {
      const { data: bill } = await client.v3.bill.tradebill.get({ query: { bill_date: billDate } });
      await client.v3.billdownload.file.get({ sink: to, query: { token } });
      return { received: file.gzipSize, bytes: file.plainSize, hash: bill.hash_value };
    });
  };

  await run('good bill', 'good');
  await run('wrong announced hash', 'good', 'ab'.repeat(20));
  await run('corrupted gzip byte', 'corrupt');
  await runSink('sink: good bill', '2025-01-01', 'good');
  await runSink('sink: wrong announced hash', '2025-01-02', 'good');
  await runSink('sink: corrupted gzip byte', '2025-01-03', 'corrupt');
  console.log(`\nprocess maxRSS (whole run, incl. startup and RSA keys): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

  child.disconnect();
  await new Promise((resolve) => child.once('exit', resolve));
  cleanUp();
  console.log(`removed ${work}`);
}

if (isServer) {
  void serve();
} else {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
