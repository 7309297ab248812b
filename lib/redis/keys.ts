import { ConfigError } from '../errors.js';
import { redisCommands, type RedisCommands } from './client.js';

/** The prefix of every key the stores write when none is given. */
export const DEFAULT_PREFIX = 'wechatpay:';

/** A `prefix` option, checked: a string without spaces (it starts every key, e.g. `wechatpay:` or `{wechatpay}:` for a cluster). */
function prefixOf(value: unknown, field: string): string {
  if (value === undefined) return DEFAULT_PREFIX;
  if (typeof value !== 'string' || /\s/.test(value)) throw new ConfigError(`${field}.prefix`, 'must be a string without spaces');
  return value;
}

/** The options both stores take. */
export interface RedisStoreOptions {
  /** Starts every key (default `wechatpay:`). */
  prefix?: string;
  /** Milliseconds each Redis command may take before the store gives up on it (default 500). */
  timeout?: number;
}

/** Refuses options a store does not know. */
function checkOptions(options: unknown, known: readonly string[], field: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError(field, `options must be an object of ${known.join(', ')}`);
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length) throw new ConfigError(field, `has unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; it takes ${known.join(', ')}`);
  return options as Record<string, unknown>;
}

/** What a store's constructor makes of its arguments: the client's commands (with their deadline) and the key prefix. */
export function storeSetup(client: unknown, options: unknown, store: string): { redis: RedisCommands; prefix: string } {
  const given = checkOptions(options, ['prefix', 'timeout'], store);
  const redis = redisCommands(client, given['timeout'] as number | undefined, store);
  return { redis, prefix: prefixOf(given['prefix'], store) };
}

/** Deletes `KEYS[1]` only if it still holds `ARGV[1]` (a lock's or a lease's owner): a lapsed holder cannot free a newer one's. */
export const DELETE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
