import { randomBytes } from 'node:crypto';
import type { CertificateLock, CertificateStore, StoredCertificates } from '../helpers/certificate-store.js';
import type { RedisClientLike, RedisCommands } from './client.js';
import { RedisStoreError } from './errors.js';
import { DELETE_IF_HELD, storeSetup, type RedisStoreOptions } from './keys.js';

/** Takes the lock (SET NX PX) or says how long its holder has left. Reply: `[1, ttl]` taken, `[0, pttl]` held. */
const LOCK = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, tonumber(ARGV[2])} end
return {0, redis.call('PTTL', KEYS[1])}`;

/**
 * Platform certificates shared by a fleet on Redis: `autoCertificates: { store: new RedisCertificateStore(redis) }`.
 * Keys `<prefix>certificates:<mchid>` (the signed download, as the platform answered it: every process
 * verifies and decrypts it) and `<prefix>certificates:<mchid>:lock` (who downloads now). See docs/fleet.md.
 */
export class RedisCertificateStore implements CertificateStore {
  readonly #redis: RedisCommands;
  readonly #prefix: string;

  constructor(client: RedisClientLike, options?: RedisStoreOptions) {
    ({ redis: this.#redis, prefix: this.#prefix } = storeSetup(client, options, 'RedisCertificateStore'));
  }

  /** The key of a merchant's record. */
  key(mchid: string): string {
    return `${this.#prefix}certificates:${mchid}`;
  }

  async get(mchid: string): Promise<StoredCertificates | undefined> {
    const key = this.key(mchid);
    const text = await this.#redis.run(key, ['GET', key]);
    if (text === null || text === undefined) return undefined;
    if (typeof text !== 'string') throw new RedisStoreError('EREDIS_REPLY', `${key} holds no string`);
    try {
      return JSON.parse(text) as StoredCertificates;
    } catch (error) {
      throw new RedisStoreError('EREDIS_REPLY', `${key} is not JSON`, { cause: error });
    }
  }

  async set(mchid: string, value: StoredCertificates): Promise<void> {
    const key = this.key(mchid);
    await this.#redis.run(key, ['SET', key, JSON.stringify(value)]);
  }

  async lock(mchid: string, ttlMs: number): Promise<CertificateLock> {
    const key = `${this.key(mchid)}:lock`;
    const token = randomBytes(16).toString('hex');
    const reply = await this.#redis.run(key, ['EVAL', LOCK, '1', key, token, String(Math.max(1, Math.round(ttlMs)))]);
    const [taken, left] = Array.isArray(reply) ? reply.map(Number) : [];
    if (taken === undefined || left === undefined || Number.isNaN(taken)) throw new RedisStoreError('EREDIS_REPLY', `the lock script answered ${JSON.stringify(reply)}`);
    if (taken !== 1) return { taken: false, expiresIn: left > 0 ? left : 0 };
    return {
      taken: true,
      release: async () => {
        await this.#redis.run(key, ['EVAL', DELETE_IF_HELD, '1', key, token]);
      },
    };
  }
}
