/**
 * Two builds of the client side by side in one process, against raw node:crypto sign + verify (bench/client.ts's
 * call, in-process adapter): CPU time per call (process.cpuUsage, user + system) in alternating batches, so that a
 * loaded machine weighs on all three alike. "before" is the other build, "after" this tree's dist.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && ln -s "$PWD/../main/node_modules" . && npm run build)
 *   npm run build && npx tsx bench/client-ab.ts 60 /tmp/before/dist/esm/index.js
 */
import { callThrough, clientOptions, raw } from './coupon-call.js';
const other = process.argv[3];
if (!other) throw new Error('usage: npx tsx bench/client-ab.ts <rounds> <another build: /path/to/dist/esm/index.js>');
const A = (await import(other)) as typeof import('../lib/index.js');
const B = (await import(new URL('../dist/esm/index.js', import.meta.url).href)) as typeof import('../lib/index.js');
const make = (lib: typeof A) => lib.Builder.factory(clientOptions);
const clients = { before: make(A), after: make(B) };
const fns: Record<string, () => Promise<void>> = { raw, before: callThrough(clients.before), after: callThrough(clients.after) };
for (let i = 0; i < 400; i++) for (const f of Object.values(fns)) await f();
const cpu: Record<string, number[]> = { raw: [], before: [], after: [] };
const batch = 100;
const rounds = Number(process.argv[2] ?? 30);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ['raw', 'before', 'after'] : ['after', 'before', 'raw'];
  for (const name of order) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) await fns[name]!();
    const c = process.cpuUsage(c0);
    cpu[name]!.push((c.user + c.system) / batch);
  }
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const ratios = (n: string) => med(cpu[n]!.map((v, i) => v / cpu['raw']![i]!));
console.log(`CPU us/call (median of ${rounds} batches of ${batch}): raw ${med(cpu.raw!).toFixed(0)}, before ${med(cpu.before!).toFixed(0)}, after ${med(cpu.after!).toFixed(0)}; ` +
  `ratio to raw: before ${ratios('before').toFixed(3)}, after ${ratios('after').toFixed(3)}; after/before ${med(cpu.after!.map((v, i) => v / cpu.before![i]!)).toFixed(3)}; overhead above raw: before ${(med(cpu.before!) - med(cpu.raw!)).toFixed(0)} us, after ${(med(cpu.after!) - med(cpu.raw!)).toFixed(0)} us`);
