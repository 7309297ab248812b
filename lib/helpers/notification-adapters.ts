/**
 * A notification handler mounted in a web framework: each adapter hands `handle` the raw body bytes (read
 * by the adapter itself, never a parsed object) and writes its reply exactly (an empty body on success,
 * also in Koa). Framework types are described structurally here, so the SDK depends on none of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingNotification, NotificationHandlerReply } from './notification-handler.js';

/** What the adapters need of a handler. */
export interface AdapterCore {
  handle(request: IncomingNotification): Promise<NotificationHandlerReply>;
  maxBodySize: number;
  failure(message: string, status: number): NotificationHandlerReply;
  /** A body that cannot be had (consumed by a body parser, a broken stream). */
  report(error: unknown): void;
}

/** The part of an Express request and response the middleware uses. */
export interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
}
export type ExpressLikeMiddleware = (req: ExpressLikeRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The part of a Koa context the middleware uses. */
export interface KoaLikeContext {
  req: IncomingMessage;
  path: string;
  method: string;
  request: { body?: unknown; rawBody?: unknown };
  status: number;
  body: unknown;
  set(field: Record<string, string>): void;
}
export type KoaLikeMiddleware = (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void>;

/** The part of a Fastify instance the plugin uses (its own encapsulation context). */
export interface FastifyLikeInstance {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(contentType: string | string[] | RegExp, handler: (request: unknown, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => void): void;
  route(options: {
    method: string | string[];
    url: string;
    handler: (request: { raw: IncomingMessage; body?: unknown; method: string }, reply: FastifyLikeReply) => Promise<unknown>;
  }): unknown;
}
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(payload?: string): FastifyLikeReply;
}
export type FastifyLikePlugin = (instance: FastifyLikeInstance) => Promise<void>;

export interface NotificationAdapters {
  /** `node:http` (and anything built on it): reads the request and writes the reply. */
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Express route middleware (`app.post('/notify', handler.express())`): reads the raw body itself. */
  express(): ExpressLikeMiddleware;
  /** Koa middleware; with `path`, other paths pass to `next`. */
  koa(options?: { path?: string }): KoaLikeMiddleware;
  /** A Fastify plugin registering `path` with its own raw-body parser, inside its encapsulation context. */
  fastify(options: { path: string }): FastifyLikePlugin;
  /** Web `Request` in, `Response` out: Next.js route handlers, Hono, Bun.serve, Deno.serve. */
  fetch(request: Request): Promise<Response>;
}

/** What may be read past the limit before the connection is closed (so that the client reads the 413). */
const DRAIN_LIMIT = 16 * 1024 * 1024;

const CONSUMED_FIX =
  'mount the notification handler before any body parser (app.post(path, handler.express()) ahead of app.use(express.json())), ' +
  'or give it the raw bytes (express.raw({ type: "*/*" }) on its path; Koa: koa-bodyparser keeps ctx.request.rawBody)';

type Body = Buffer | 'too-large';

/** Reads up to `limit` bytes; a declared or actual larger body is drained (bounded) and reported as too large. */
function readNodeBody(req: IncomingMessage, limit: number): Promise<Body> {
  const drain = (): void => {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_LIMIT) req.destroy();
    });
    req.resume();
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    drain();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      drain();
      resolve('too-large');
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

/** Whether a body parser (or anything) has already read the stream. */
const consumed = (req: IncomingMessage): boolean => req.readableEnded || req.readableDidRead || (req as { _body?: unknown })._body === true;

/** A reply that closes the connection: the request's unread bytes are not waited for. */
const closing = (reply: NotificationHandlerReply): NotificationHandlerReply => ({ ...reply, headers: { ...reply.headers, Connection: 'close' } });

function writeNode(res: ServerResponse, reply: NotificationHandlerReply): void {
  if (res.headersSent) return;
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

export function adapters(core: AdapterCore): NotificationAdapters {
  const { handle, maxBodySize, failure, report } = core;

  /** The reply for a node request whose raw body is `given` (a body parser's Buffer or string) or still to read. */
  const nodeReply = async (req: IncomingMessage, given: unknown): Promise<NotificationHandlerReply> => {
    if ((req.method ?? 'POST').toUpperCase() !== 'POST') return handle({ method: req.method!, headers: req.headers, body: '' });
    let body: Buffer | string;
    if (Buffer.isBuffer(given) || typeof given === 'string') {
      body = given;
    } else if (consumed(req)) {
      report(new Error(`The notification's raw body was consumed before the handler ran (a body parser parsed it), so it cannot be verified: ${CONSUMED_FIX}`));
      return failure('raw body consumed by a body parser', 500);
    } else {
      let read: Body;
      try {
        read = await readNodeBody(req, maxBodySize);
      } catch (error) {
        report(error);
        return closing(failure('cannot read body', 500));
      }
      if (read === 'too-large') return closing(failure('body too large', 413));
      body = read;
    }
    return handle({ method: 'POST', headers: req.headers, body });
  };

  return {
    async node(req, res) {
      try {
        writeNode(res, await nodeReply(req, undefined));
      } catch (error) {
        // Nothing above should throw; if it does, the platform still gets a failure (and retries), never a hang.
        report(error);
        writeNode(res, closing(failure('internal error', 500)));
      }
    },

    express() {
      return (req, res, next) => {
        nodeReply(req, req.body).then((reply) => writeNode(res, reply), next);
      };
    },

    koa(options = {}) {
      return async (ctx, next) => {
        if (options.path !== undefined && ctx.path !== options.path) {
          await next();
          return;
        }
        // koa-bodyparser keeps the text it parsed as ctx.request.rawBody.
        const raw = ctx.request.rawBody;
        const reply = await nodeReply(ctx.req, typeof raw === 'string' ? raw : undefined);
        ctx.status = reply.status;
        ctx.set(reply.headers);
        // An empty body must stay empty: Koa writes the status text ("OK") for a 200 without one.
        ctx.body = reply.body === '' ? null : reply.body;
      };
    },

    fastify({ path }) {
      return async (instance) => {
        // This plugin's own context: the app's parsers (JSON) are left as they are.
        instance.removeAllContentTypeParsers();
        instance.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
        instance.route({
          method: ['POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
          url: path,
          handler: async (request, reply) => {
            const answer = await nodeReply(request.raw, undefined);
            reply.code(answer.status).headers(answer.headers);
            return reply.send(answer.body === '' ? undefined : answer.body);
          },
        });
      };
    },

    async fetch(request) {
      const toResponse = (reply: NotificationHandlerReply): Response =>
        new Response(reply.body === '' ? null : reply.body, { status: reply.status, headers: reply.headers });
      if (request.method.toUpperCase() !== 'POST') return toResponse(await handle({ method: request.method, headers: request.headers, body: '' }));
      const declared = Number(request.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBodySize) return toResponse(failure('body too large', 413));
      if (request.bodyUsed) {
        report(new Error(`The notification's raw body was read before the handler ran, so it cannot be verified: pass the untouched Request to handler.fetch(request)`));
        return toResponse(failure('raw body consumed', 500));
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        const reader = request.body?.getReader();
        for (;;) {
          const read = await reader?.read();
          if (!read || read.done) break;
          size += read.value.byteLength;
          if (size > maxBodySize) {
            await reader!.cancel().catch(() => undefined);
            return toResponse(failure('body too large', 413));
          }
          chunks.push(read.value);
        }
      } catch (error) {
        report(error);
        return toResponse(failure('cannot read body', 500));
      }
      // A plain object: Bun's Headers has a toJSON, which header lookups take for AxiosHeaders.
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return toResponse(await handle({ method: 'POST', headers, body: Buffer.concat(chunks) }));
    },
  };
}
