/**
 * The one thing the Redis stores need of a client: run a command and get its reply, within a deadline. Both
 * clients Node fleets use are taken as the user already connected them, recognised by their shape (neither
 * package is imported): ioredis (`Redis`, `Cluster`: `call(name, ...args)`) and node-redis v4-v6
 * (`createClient`: `sendCommand(args, options)`; `createCluster`: `sendCommand(firstKey, isReadonly, args, options)`).
 */
import { ConfigError } from '../errors.js';
import { RedisStoreError } from './errors.js';

/** The deadline of each command when none is given, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT = 500;

/** An ioredis `Redis` or `Cluster`, as far as the stores use it. */
export interface IoRedisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  readonly status: string;
}

/** A node-redis client (`createClient`), as far as the stores use it. */
export interface NodeRedisLike {
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  readonly isOpen: boolean;
}

/** A node-redis cluster (`createCluster`), as far as the stores use it. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string, isReadonly: boolean, args: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
  readonly isOpen: boolean;
}

/** Any client the stores take. */
export type RedisClientLike = IoRedisLike | NodeRedisLike | NodeRedisClusterLike;

/** Commands with a deadline, on whichever client was given. */
export interface RedisCommands {
  readonly client: 'ioredis' | 'node-redis' | 'node-redis cluster';
  /** Runs `args` (the command and its arguments; `key` is the key it touches, for a cluster's routing). */
  run(key: string, args: readonly string[]): Promise<unknown>;
}

type Send = (key: string, args: readonly string[], signal: AbortSignal) => Promise<unknown>;

/** The commands of `client`, each with a deadline of `timeout` ms; a clear error for anything else. */
export function redisCommands(client: unknown, timeout: number | undefined, field: string): RedisCommands {
  const deadline = timeout ?? DEFAULT_COMMAND_TIMEOUT;
  if (typeof deadline !== 'number' || !Number.isFinite(deadline) || deadline <= 0 || deadline > 60_000) {
    throw new ConfigError(`${field}.timeout`, 'must be a number of milliseconds from 1 to 60000');
  }
  const [kind, send] = sendOf(client, field);
  return {
    client: kind,
    run: (key, args) => withDeadline(kind, args[0] ?? '', deadline, (signal) => send(key, args, signal)),
  };
}

function sendOf(client: unknown, field: string): [RedisCommands['client'], Send] {
  const given = client as Record<string, unknown> | null;
  if (typeof given === 'object' && given !== null) {
    if (typeof given['call'] === 'function' && typeof given['status'] === 'string') {
      const io = given as unknown as IoRedisLike;
      return ['ioredis', (_key, [command, ...args]) => io.call(command!, ...args)];
    }
    if (typeof given['sendCommand'] === 'function' && typeof given['isOpen'] === 'boolean') {
      if (typeof given['getSlotMaster'] === 'function') {
        const cluster = given as unknown as NodeRedisClusterLike;
        return ['node-redis cluster', (key, args, abortSignal) => cluster.sendCommand(key, false, args, { abortSignal })];
      }
      const node = given as unknown as NodeRedisLike;
      return ['node-redis', (_key, args, abortSignal) => node.sendCommand(args, { abortSignal })];
    }
  }
  throw new ConfigError(field, `needs a connected Redis client from ioredis (new Redis(...)) or redis (createClient(...)); got ${describe(client)}, ` +
    'which has neither call() and status (ioredis) nor sendCommand() and isOpen (node-redis)');
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `an instance of ${name}` : 'an object';
}

/**
 * The reply of `send`, or a `RedisStoreError` once `timeout` ms have passed (and the command's signal aborts,
 * so that node-redis drops it from its queue if it was not sent yet): Redis never holds a call up for longer.
 */
async function withDeadline(client: string, command: string, timeout: number, send: (signal: AbortSignal) => Promise<unknown>): Promise<unknown> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new RedisStoreError('EREDIS_TIMEOUT', `Redis (${client}) did not answer ${command} within ${timeout} ms`));
    }, timeout);
  });
  let sent: Promise<unknown>;
  try {
    sent = Promise.resolve(send(controller.signal));
  } catch (error) {
    clearTimeout(timer);
    throw failed(client, command, error);
  }
  sent.catch(() => undefined);
  try {
    return plain(await Promise.race([sent, expired]));
  } catch (error) {
    throw error instanceof RedisStoreError ? error : failed(client, command, error);
  } finally {
    clearTimeout(timer);
  }
}

function failed(client: string, command: string, cause: unknown): RedisStoreError {
  return new RedisStoreError('EREDIS_COMMAND', `Redis (${client}) failed ${command}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/** Replies as strings and numbers, whatever type mapping the client has (Buffers become UTF-8 text). */
function plain(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map(plain);
  return reply;
}
