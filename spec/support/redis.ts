/**
 * A real redis-server for the Redis store specs: started on a free loopback port with a temporary folder
 * (nothing saved), stopped after; and connected clients of both packages the stores take.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from '../../lib/redis/index.js';
import { printed } from './child.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Ends the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server (`REDIS_SERVER`, else the one on the PATH) and resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wechatpay-redis-'));
  const port = await freePort();
  const child = spawn(process.env['REDIS_SERVER'] ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await printed(child, 'Ready to accept connections', 'redis-server', 10_000);
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  child.removeAllListeners('exit');
  const ended = (signal: NodeJS.Signals) => endChild(child, signal);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => ended('SIGKILL'),
    async stop() {
      await ended('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function endChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** A connected client of one of the two packages, as the docs tell users to set it up (no offline queue). */
export interface ConnectedClient {
  readonly client: RedisClientLike;
  /** Runs a command as given (for a spec to look at or change what the store wrote). */
  raw(...args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

export const CLIENTS = {
  async ioredis(url: string): Promise<ConnectedClient> {
    const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    return { client, raw: (command, ...args) => client.call(command, ...args), close: async () => void client.disconnect() };
  },
  async 'node-redis'(url: string): Promise<ConnectedClient> {
    const client = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: (retries) => Math.min(retries * 50, 500) } });
    client.on('error', () => undefined);
    await client.connect();
    return { client, raw: (...args) => client.sendCommand(args), close: async () => client.destroy() };
  },
} as const;

export type ClientName = keyof typeof CLIENTS;
export const CLIENT_NAMES = Object.keys(CLIENTS) as ClientName[];
