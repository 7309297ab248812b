/**
 * Rsa.sign / Rsa.verify against raw node:crypto on the same key, message and signature.
 *
 * "raw" does by hand what a caller holding the same inputs must do: a string message, a base64 signature
 * in and out. "raw, pre-built Buffers" is the floor: bytes prepared once, outside the timed loop.
 * Turns are interleaved (the order alternates per round) so CPU frequency and GC drift hit every case alike;
 * each ratio is the median of per-round ratios.
 *
 * Run: npx tsx bench/crypto.ts [rounds=30] [msPerTurn=100]
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { Rsa } from '../lib/crypto/rsa.js';

const rounds = Number(process.argv[2] ?? 30);
const msPerTurn = Number(process.argv[3] ?? 100);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const message =
  'POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n' +
  '{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"Image形象店-深圳腾大-QQ公仔",' +
  '"out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php",' +
  '"amount":{"total":100,"currency":"CNY"}}\n';
const messageBytes = Buffer.from(message);
const signature = Rsa.sign(message, privateKey);
const signatureBytes = Buffer.from(signature, 'base64');

const cases = {
  'Rsa.sign': () => Rsa.sign(message, privateKey),
  'raw sign': () => sign('sha256', Buffer.from(message), privateKey).toString('base64'),
  'raw sign, pre-built': () => sign('sha256', messageBytes, privateKey),
  'Rsa.verify': () => Rsa.verify(message, signature, publicKey),
  'raw verify': () => verify('sha256', Buffer.from(message), publicKey, Buffer.from(signature, 'base64')),
  'raw verify, pre-built': () => verify('sha256', messageBytes, publicKey, signatureBytes),
} as const;
type CaseName = keyof typeof cases;
const names = Object.keys(cases) as CaseName[];

/** Calls `run` repeatedly for about `ms` milliseconds; returns calls per second. */
function opsPerSecond(run: () => unknown, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 16; i++) run();
    calls += 16;
    elapsed = performance.now() - start;
  }
  return (calls * 1000) / elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (!cases['Rsa.verify']() || !cases['raw verify']() || cases['Rsa.sign']() !== signature) {
  throw new Error('the benchmark inputs are inconsistent');
}
for (const name of names) opsPerSecond(cases[name], 100); // warm-up

const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<CaseName, number[]>;
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) samples[name].push(opsPerSecond(cases[name], msPerTurn));
}

function ratio(ours: CaseName, raw: CaseName): number {
  return median(samples[ours].map((value, round) => value / samples[raw][round]!));
}

const rows = (['sign', 'verify'] as const).map((op) => {
  const ours = `Rsa.${op}` as CaseName;
  const raw = `raw ${op}` as CaseName;
  const floor = `raw ${op}, pre-built` as CaseName;
  return [op, median(samples[ours]), median(samples[raw]), ratio(ours, raw), median(samples[floor]), ratio(ours, floor)] as const;
});

const line = (cells: Array<string | number>): string => cells.map((cell) => String(cell).padEnd(16)).join('');
console.log(`RSA-2048 SHA-256, ${message.length}-char message, ${rounds} interleaved rounds of ${msPerTurn} ms (node ${process.version})`);
console.log(line(['operation', 'Rsa ops/s', 'raw ops/s', 'Rsa/raw', 'pre-built ops/s', 'Rsa/pre-built']));
for (const [op, ours, raw, r, floor, rf] of rows) {
  console.log(line([op, ours.toFixed(0), raw.toFixed(0), r.toFixed(3), floor.toFixed(0), rf.toFixed(3)]));
}
const worst = Math.min(...rows.map((row) => row[3]));
console.log(`lowest Rsa/raw ratio ${worst.toFixed(3)} (target >= 0.95): ${worst >= 0.95 ? 'OK' : 'BELOW TARGET'}`);
