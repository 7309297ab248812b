/**
 * `wechatpay-chain/redis` as shipped (needs `npm run build`): loads from CommonJS and ES modules with its
 * declarations, is not loaded by the main entry, and needs neither Redis package (optional peers).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }));

describe('the wechatpay-chain/redis entry', () => {
  it('points each of its exports at a file that exists', () => {
    const entry = pkg.exports['./redis'];
    for (const target of [entry.import.types, entry.import.default, entry.require.types, entry.require.default]) {
      expect(() => readFileSync(join(root, target))).not.toThrow();
    }
    expect(readFileSync(join(root, entry.import.types), 'utf8')).toContain('types/redis/index.js');
    expect(readFileSync(join(root, 'dist/types/redis/index.d.ts'), 'utf8')).toContain('RedisCertificateStore');
  });

  it('loads with require() and import, its errors caught as the main entry\'s', () => {
    const required = run(['-e', `
      const { RedisNotificationStore } = require('wechatpay-chain/redis');
      const { ConfigError, WechatpayError } = require('wechatpay-chain');
      try { new RedisNotificationStore({}); } catch (error) {
        console.log(JSON.stringify({ config: error instanceof ConfigError, base: error instanceof WechatpayError, message: error.message }));
      }
    `]);
    expect(required).toEqual({ config: true, base: true, message: expect.stringContaining('ioredis') });
    const imported = run(['--input-type=module', '-e', `
      import { RedisCertificateStore, RedisNotificationStore, RedisStoreError, DEFAULT_PREFIX } from 'wechatpay-chain/redis';
      console.log(JSON.stringify([typeof RedisCertificateStore, typeof RedisNotificationStore, typeof RedisStoreError, DEFAULT_PREFIX]));
    `]);
    expect(imported).toEqual(['function', 'function', 'function', 'wechatpay:']);
  });

  it('is not loaded by the main entry, and loads neither Redis package itself', () => {
    const loaded = run(['-e', `
      require('wechatpay-chain');
      const before = Object.keys(require.cache).filter((file) => /redis/.test(file));
      require('wechatpay-chain/redis');
      const after = Object.keys(require.cache).filter((file) => /redis/.test(file));
      console.log(JSON.stringify({ before, after: after.map((file) => file.slice(file.indexOf('dist'))) }));
    `]);
    expect(loaded).toEqual({ before: [], after: ['dist/cjs/redis/index.js'] });
    expect(readFileSync(join(root, 'dist/cjs/index.js'), 'utf8')).not.toContain('RedisCertificateStore');
  });

  it('declares ioredis and redis as optional peers, not dependencies', () => {
    expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['ioredis']));
    expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['redis']));
    expect(pkg.peerDependencies).toEqual(expect.objectContaining({ ioredis: expect.any(String), redis: expect.any(String) }));
    expect(pkg.peerDependenciesMeta).toEqual(expect.objectContaining({ ioredis: { optional: true }, redis: { optional: true } }));
  });
});
