/**
 * A bound on connecting (DNS look-up and TCP connect) of each new connection of the client's own agents: a host
 * that drops connection attempts silently is given up on after `connectTimeout` instead of at the call's deadline,
 * with an error that says the request was never sent (`ETIMEDOUT` on `connect`), so the attempt is retried, on the
 * backup host when there is one (docs/resilience.md). Kept-alive connections are not touched: they are connected.
 */
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';

/** Milliseconds a new connection may take to connect (DNS and TCP), by default. */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

type CreateConnection = (...args: unknown[]) => Socket;

/** `agent`, its new connections failing with `ETIMEDOUT` (syscall `connect`) when not connected within `ms` (0: no bound). */
export function withConnectTimeout<A extends Agent>(agent: A, ms: number): A {
  if (ms <= 0) return agent;
  const owner = agent as unknown as { createConnection: CreateConnection };
  const create = owner.createConnection;
  owner.createConnection = function createConnection(this: unknown, ...args: unknown[]): Socket {
    const socket = create.apply(this, args);
    if (!socket.connecting) return socket;
    const timer = setTimeout(() => socket.destroy(Object.assign(
      new Error(`connect ETIMEDOUT: no connection within ${ms} ms (connectTimeout)`), { code: 'ETIMEDOUT', syscall: 'connect' })), ms);
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
    return socket;
  };
  return agent;
}
