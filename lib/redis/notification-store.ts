import type { NotificationClaim, NotificationState, NotificationStore } from '../helpers/notification-store.js';
import type { RedisClientLike, RedisCommands } from './client.js';
import { RedisStoreError } from './errors.js';
import { DELETE_IF_HELD, storeSetup, type RedisStoreOptions } from './keys.js';

/** What a key holds: `done`, or `busy:<owner>` while a delivery holds the lease. */
const DONE = 'done';
const BUSY = 'busy:';

/** Claims a free key for its owner's lease; else says what holds it. */
const CLAIM = `local found = redis.call('GET', KEYS[1])
if not found then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 'claimed' end
if found == '${DONE}' then return 'done' end
return 'busy'`;

/**
 * Once-only notification handling across a fleet on Redis:
 * `client.notification.handler(handlers, { store: new RedisNotificationStore(redis) })`. One key per
 * notification id, `<prefix>notifications:<id>`: a delivery's claim is a lease (`busy:<owner>`, expiring by
 * itself if its process dies), a handled id is `done` for the time the handler asks (at least 25 h).
 * A Redis that does not answer makes the calls reject, and the handler answer 5xx (the platform redelivers).
 */
export class RedisNotificationStore implements NotificationStore {
  readonly #redis: RedisCommands;
  readonly #prefix: string;

  constructor(client: RedisClientLike, options?: RedisStoreOptions) {
    ({ redis: this.#redis, prefix: this.#prefix } = storeSetup(client, options, 'RedisNotificationStore'));
  }

  /** The Redis key of a notification key. */
  key(key: string): string {
    return `${this.#prefix}notifications:${key}`;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<NotificationClaim> {
    const name = this.key(key);
    const reply = await this.#redis.run(name, ['EVAL', CLAIM, '1', name, `${BUSY}${owner}`, milliseconds(leaseMs)]);
    if (reply === 'claimed' || reply === 'done' || reply === 'busy') return reply;
    throw new RedisStoreError('EREDIS_REPLY', `the claim script answered ${JSON.stringify(reply)}`);
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    const name = this.key(key);
    await this.#redis.run(name, ['SET', name, DONE, 'PX', milliseconds(ttlMs)]);
  }

  async release(key: string, owner: string): Promise<void> {
    const name = this.key(key);
    await this.#redis.run(name, ['EVAL', DELETE_IF_HELD, '1', name, `${BUSY}${owner}`]);
  }

  async state(key: string): Promise<NotificationState> {
    const name = this.key(key);
    const found = await this.#redis.run(name, ['GET', name]);
    if (found === null || found === undefined) return 'free';
    if (found === DONE) return 'done';
    if (typeof found === 'string' && found.startsWith(BUSY)) return 'busy';
    throw new RedisStoreError('EREDIS_REPLY', `${name} holds ${JSON.stringify(String(found).slice(0, 40))}, which this store never writes`);
  }
}

function milliseconds(value: number): string {
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`a lease or a lifetime must be at least 1 ms, got ${value}`);
  return String(Math.round(value));
}
