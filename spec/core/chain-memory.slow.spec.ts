/**
 * The chain's memory, measured in a child process of its own with `--expose-gc` against the build (`npm test`
 * builds first): dynamic nodes are not kept alive, and a chain deeper than any endpoint leaves nothing behind.
 * (The chain's behaviour is spec/core/chain.spec.ts.)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('memory', () => {
  it('keeps no dynamic node alive: 1,000,000 distinct order ids leave the heap where it was', () => {
    const script = `
      const { generateKeyPairSync } = require('node:crypto');
      const { Builder } = require('wechatpay-chain');
      const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const client = Builder.factory({ mchid: '1', serial: 'S', privateKey: key.privateKey, certs: { P: key.publicKey } });
      const heap = () => { global.gc(); global.gc(); return process.memoryUsage().heapUsed; };
      for (let i = 0; i < 50000; i++) client.v3.pay.transactions.id['warm' + i];
      const before = heap();
      let last;
      for (let i = 0; i < 1000000; i++) last = client.v3.pay.transactions.id['4200000' + i];
      const after = heap();
      console.log(JSON.stringify({ before, after, last: String(last) }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' }));
    expect(out.last).toBe('v3/pay/transactions/id/4200000999999');
    // A cache of one node per id would hold well over 100 MB here; allow 2 MB of noise.
    expect(out.after - out.before).toBeLessThan(2 * 1024 * 1024);
  });

  it('keeps nothing of a chain deeper than any endpoint: 10,000 segments leave the heap where it was', () => {
    const script = `
      const { generateKeyPairSync } = require('node:crypto');
      const { Builder } = require('wechatpay-chain');
      const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const client = Builder.factory({ mchid: '1', serial: 'S', privateKey: key.privateKey, certs: { P: key.publicKey } });
      const heap = () => { global.gc(); global.gc(); return process.memoryUsage().heapUsed; };
      const walk = (depth, name) => { let node = client.v3; for (let i = 1; i < depth; i++) node = node[name + i]; return node; };
      walk(40, 'warm');
      const before = heap();
      const deep = String(walk(10000, 's')).length;
      const after = heap();
      const shallow = walk(32, 'a') === walk(32, 'a');
      const beyond = walk(33, 'a') === walk(33, 'a');
      console.log(JSON.stringify({ before, after, deep, shallow, beyond }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' }));
    expect(out.deep).toBeGreaterThan(50_000);
    // Nodes are reused down to CACHED_DEPTH segments, made afresh below it.
    expect([out.shallow, out.beyond]).toEqual([true, false]);
    // Each of 10,000 cached nodes holding its whole path kept hundreds of MB; allow 2 MB of noise.
    expect(out.after - out.before).toBeLessThan(2 * 1024 * 1024);
  });
});
