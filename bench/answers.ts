/**
 * Hostile answers, each measured in a fresh client process against a loopback server in another process:
 *
 *   big        a signed 200 MB JSON answer                       peak RSS of the client, how the call ends
 *   bomb       a ~1 MB gzip answer that unpacks to 1 GiB (unsigned, as in the review)
 *   drip       a signed answer sent one byte every 500 ms, `timeout: 2000`      time to fail
 *   drip-30s   the same with the default timeout (30 s), a 45 s answer
 *
 * Peak RSS is `process.resourceUsage().maxRSS` of the client process (its whole life, startup included);
 * "before" is the client's RSS just before the call. Run it against the built package, or any build of it:
 *
 *   npm run build && npx tsx bench/answers.ts [scenario ...] [--sdk path/to/dist/esm/index.js]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { writePieces } from '../spec/support/answer-server.js';

const MiB = 1024 * 1024;
const MCHID = '1230000109';
const SCENARIOS = ['big', 'bomb', 'drip', 'drip-30s'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Keys {
  merchantPrivate: string;
  platformPublic: string;
}

interface Outcome {
  scenario: Scenario;
  ended: string;
  ms: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
}

const role = process.argv[2];
if (role === 'server') await serve();
else if (role === 'client') await call(process.argv[3] as Scenario, process.argv[4]!, JSON.parse(process.argv[5]!) as Keys, process.argv[6]!);
else await main();

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sdkFlag = args.indexOf('--sdk');
  const sdk = resolve(sdkFlag >= 0 ? args.splice(sdkFlag, 2)[1]! : fileURLToPath(new URL('../dist/esm/index.js', import.meta.url)));
  if (!existsSync(sdk)) throw new Error(`${sdk} not found: run \`npm run build\` first, or give --sdk`);
  const chosen = (args.length ? args : SCENARIOS) as Scenario[];
  const server = fork(fileURLToPath(import.meta.url), ['server'], { execArgv: process.execArgv });
  const { baseURL, keys } = await message<{ baseURL: string; keys: Keys }>(server);
  console.log(`SDK: ${sdk}`);
  console.log('scenario   ended with                                          time      RSS before  peak RSS');
  try {
    for (const scenario of chosen) {
      const client = fork(fileURLToPath(import.meta.url), ['client', scenario, baseURL, JSON.stringify(keys), sdk], { execArgv: process.execArgv });
      const outcome = await message<Outcome>(client);
      console.log(`${scenario.padEnd(10)} ${outcome.ended.slice(0, 50).padEnd(50)} ${`${(outcome.ms / 1000).toFixed(1)} s`.padStart(9)} ` +
        `${`${outcome.rssBeforeMiB} MiB`.padStart(11)} ${`${outcome.peakRssMiB} MiB`.padStart(9)}`);
    }
  } finally {
    server.kill();
  }
}

function message<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (value) => resolve(value as T));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
}

/** The loopback platform: keys made here, answers signed with node:crypto. */
async function serve(): Promise<void> {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys: Keys = {
    merchantPrivate: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    platformPublic: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  const signed = (pieces: () => Iterable<Buffer>): Record<string, string> => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signer = createSign('sha256').update(`${timestamp}\n${nonce}\n`);
    for (const piece of pieces()) signer.update(piece);
    signer.update('\n');
    return {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Serial': 'PLATFORM',
      'Wechatpay-Signature': signer.sign(platform.privateKey, 'base64'),
    };
  };
  const bomb = await gzipBomb();
  const dripBody = (bytes: number) => `{"a":"${'x'.repeat(bytes - 8)}"}`;

  const server = createServer((request, response) => {
    request.resume();
    const path = request.url ?? '';
    if (path.startsWith('/v3/big')) {
      response.writeHead(200, signed(() => json(200 * MiB)));
      void writePieces(response, json(200 * MiB));
    } else if (path.startsWith('/v3/bomb')) {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      createReadStream(bomb).pipe(response);
    } else if (path.startsWith('/v3/drip')) {
      const body = dripBody(path.includes('long') ? 90 : 100);
      response.writeHead(200, signed(() => [Buffer.from(body)]));
      let index = 0;
      const timer = setInterval(() => {
        if (index === body.length) {
          clearInterval(timer);
          response.end();
        } else {
          response.write(body.charAt(index++));
        }
      }, 500);
      response.on('close', () => clearInterval(timer));
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, keys });
  });
}

/** `{"a":"xxx..."}` of `size` bytes, in 64 KiB pieces. */
function* json(size: number): Generator<Buffer> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  yield Buffer.from('{"a":"');
  for (let sent = 0; sent < size; sent += piece.length) yield size - sent >= piece.length ? piece : piece.subarray(0, size - sent);
  yield Buffer.from('"}');
}


/** 1 GiB of JSON text as gzip (about 1 MB), made once and kept in the temporary folder. */
async function gzipBomb(): Promise<string> {
  const file = join(tmpdir(), 'wechatpay-chain-bench-bomb-1gib.json.gz');
  if (!existsSync(file)) {
    await pipeline(function* () {
      yield* json(1024 * MiB);
    }, createGzip({ level: 9 }), createWriteStream(file));
  }
  return file;
}

/** One call in this process, reported to the parent. */
async function call(scenario: Scenario, baseURL: string, keys: Keys, sdk: string): Promise<void> {
  const { Builder } = (await import(pathToFileURL(sdk).href)) as typeof import('../lib/index.js');
  const client = Builder.factory({ mchid: MCHID, serial: 'MERCHANT', privateKey: keys.merchantPrivate, certs: { PLATFORM: keys.platformPublic }, baseURL }) as any;
  const request = {
    big: () => client.v3.big.get(),
    bomb: () => client.v3.bomb.get(),
    drip: () => client.v3.drip.get({ timeout: 2000 }),
    'drip-30s': () => client.v3.drip.long.get(),
  }[scenario];
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  let ended: string;
  try {
    const response = await request();
    ended = `resolved ${response.status}`;
  } catch (error) {
    const { name, code, message } = error as { name: string; code?: string; message: string };
    ended = `${name} ${code ?? ''} ${code ? '' : message}`.replace(/\s+/g, ' ').trim();
  }
  const ms = performance.now() - started;
  process.send!({
    scenario, ended, ms,
    rssBeforeMiB: Math.round(rssBefore / MiB),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  } satisfies Outcome, () => process.exit(0));
}
