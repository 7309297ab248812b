/**
 * `wechatpay-chain/redis`: what a fleet of processes shares, on the Redis it already runs. Takes a connected
 * client of `ioredis` or `redis` (node-redis), neither of which this package depends on.
 *
 * ```ts
 * import Redis from 'ioredis';
 * import { RedisCertificateStore, RedisNotificationStore } from 'wechatpay-chain/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 });
 * const client = Builder.factory({ ...settings, autoCertificates: { store: new RedisCertificateStore(redis) } });
 * app.post('/notify', client.notification.handler(handlers, { store: new RedisNotificationStore(redis) }).express());
 * ```
 *
 * See docs/fleet.md.
 */
export { RedisCertificateStore } from './certificate-store.js';
export { RedisNotificationStore } from './notification-store.js';
export { RedisStoreError, type RedisStoreErrorCode } from './errors.js';
export { DEFAULT_COMMAND_TIMEOUT, type RedisClientLike, type IoRedisLike, type NodeRedisLike, type NodeRedisClusterLike } from './client.js';
export { DEFAULT_PREFIX, type RedisStoreOptions } from './keys.js';
