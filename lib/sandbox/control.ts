/**
 * The control API, for tests, for the console and for people driving a sandbox started from the CLI with
 * curl. Plain JSON over HTTP under `/__sandbox/` (a prefix no API path uses), unauthenticated: it answers
 * only requests addressed to the sandbox's own address (see console.ts, `ownAddress`), and refuses
 * changes from a page of another origin; keep the sandbox on a loopback address.
 *
 * The endpoints are a table of `ControlRoute`s (control-routes.ts gathers them: the sandbox's own, the
 * faults', the certificates' and each behaviour's), routed by the same segment tree as the API (routes.ts).
 * A route names its path below `/__sandbox/` with `{name}` for a variable, and answers with a JSON value
 * (200), `reply(status, value)`, or `bytes(...)`; what it is given is checked with checks.ts, whose
 * `InputError` becomes a 400 (or its status). `GET /__sandbox` lists them all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from './call.js';
import type { SandboxCertificates } from './certificate-control.js';
import { InputError, jsonObject } from './checks.js';
import { ownAddress, sameOrigin } from './console.js';
import type { EventHub } from './events.js';
import type { Faults } from './faults.js';
import type { RequestLog } from './request-log.js';
import { Router } from './routes.js';
import { CONTROL_PREFIX } from './server.js';
import type { Sandbox } from './types.js';

/** The running parts of a sandbox, for control routes that need more than its public methods. */
export interface SandboxParts {
  runtime: Runtime;
  faults: Faults;
  certificates: SandboxCertificates;
  log: RequestLog;
  events: EventHub;
  /** The address the sandbox listens on. */
  host: string;
}

/** What a control route is given. */
export interface ControlContext {
  sandbox: Sandbox;
  parts: SandboxParts;
  /** The path variables, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The body as received. */
  body: Buffer;
  /** The body as a JSON object (`{}` when empty); a 400 when it is not one. */
  input(): Record<string, unknown>;
  req: IncomingMessage;
}

export type ControlMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ControlRoute {
  method: ControlMethod;
  /** Below `/__sandbox/`, without leading or trailing `/` (`''` is `/__sandbox` itself): `orders/{out_trade_no}/close`. */
  path: string;
  /** One line for the overview. */
  summary?: string;
  /** A JSON value (answered 200), a `reply(...)`, or `bytes(...)`. */
  handle(context: ControlContext): unknown;
}

/** An answer with its own status. */
export class ControlReply {
  constructor(readonly status: number, readonly value: unknown) {}
}

/** An answer that is not JSON: bytes with their headers. */
export class ControlBytes {
  constructor(readonly status: number, readonly headers: Record<string, string>, readonly bytes: Buffer) {}
}

export const reply = (status: number, value: unknown): ControlReply => new ControlReply(status, value);
export const bytes = (headers: Record<string, string>, body: Buffer, status = 200): ControlBytes => new ControlBytes(status, headers, body);

/** A 404 with `message`, thrown from a route. */
export const notFound = (message: string): InputError => new InputError(message, 404);

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

interface Entry {
  method: string;
  template: string;
  route: ControlRoute;
}

/** Handles `/__sandbox/...` with `routes` (a route listed twice: the first wins). */
export function controlHandler(sandbox: Sandbox, parts: SandboxParts, routes: readonly ControlRoute[]) {
  const router = new Router<Entry>(routes.map((route) => ({ method: route.method, template: route.path, route })));
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    try {
      if (!ownAddress(req, parts.host)) throw new InputError(`The control API answers at the sandbox's own address only, not ${String(req.headers.host)}`, 421);
      if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req)) throw new InputError(`A change from the page ${String(req.headers.origin)} is refused: only the sandbox's own console may`, 403);
      const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, '');
      for (const segment of path.split('/')) {
        try {
          decodeURIComponent(segment);
        } catch {
          throw new InputError(`${segment} is not valid percent-encoding`);
        }
      }
      const match = router.match(method, path);
      if (!match.found) throw new InputError(`No control endpoint ${method} ${url.pathname} (see GET ${CONTROL_PREFIX})`, 404);
      const { endpoint, vars } = match.matches[0]!;
      let parsed: Record<string, unknown> | undefined;
      const answer = await endpoint.route.handle({
        sandbox, parts, params: vars, query: url.searchParams, body, req,
        input: () => (parsed ??= jsonObject(body)),
      });
      if (answer instanceof ControlBytes) {
        res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(answer.bytes.length) });
        res.end(answer.bytes);
      } else if (answer instanceof ControlReply) {
        send(res, answer.status, answer.value);
      } else {
        send(res, 200, answer);
      }
    } catch (error) {
      const status = error instanceof InputError ? error.status : 400;
      send(res, status, { code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) });
    }
  };
}
