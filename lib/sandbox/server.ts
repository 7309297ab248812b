/**
 * The HTTP side: node:http, the whole body collected, `/__sandbox/...` to the control API, everything else
 * through the pipeline; the reply signed (or spoiled, when a fault says so), written, and logged.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { signedFields, type Verdict } from './auth.js';
import type { Reply, Runtime } from './call.js';
import type { Fault, Faults } from './faults.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import type { Pipeline } from './pipeline.js';
import { requestId, signatureHeaders, signingKey, type SigningTweak } from './sign.js';
import { toV2Xml, v2Sign } from './v2.js';

/** The largest request body accepted (a video upload is up to 5 MB on the platform). */
export const MAX_BODY = 32 * 1024 * 1024;
/** The control API's prefix: no API path starts with `__`. */
export const CONTROL_PREFIX = '/__sandbox';

/** A message as the request log shows it: headers, and the body as text (shortened, binary described). */
export interface LoggedMessage {
  headers: Record<string, string>;
  body: string;
}

/** One line of the request log. */
export interface RequestRecord {
  /** Its place in the log (1, 2, ...; the console asks for the records after the last it has). */
  seq: number;
  id: string;
  time: string;
  method: string;
  /** Path and query, as received. */
  target: string;
  /** The endpoint's template, when the path is one. */
  template?: string;
  status: number;
  /** The error code answered (`SIGN_ERROR`, `PARAM_ERROR`, APIv2 `FAIL`...), if any. */
  code?: string;
  fault?: Fault;
  ms: number;
  /** The authentication's verdict: accepted, or the rule broken, why, and the string expected to be signed. */
  check?: Verdict;
  request: LoggedMessage;
  answer: LoggedMessage;
}

/** How much of a body the log keeps. */
export const LOGGED_BODY = 16 * 1024;

/**
 * A body as text for the log: UTF-8 text, a multipart body part by part, or a size for bytes; whatever
 * the form, at most LOGGED_BODY characters, then one line saying how many bytes there were.
 */
export function loggedBody(body: Buffer, contentType: string | undefined): string {
  const { text, whole } = bodyText(body, contentType);
  return text.length > LOGGED_BODY || !whole ? `${text.slice(0, LOGGED_BODY)}\n... (${body.length} bytes in all)` : text;
}

/** The body as text, and whether that is all of it (false: cut short). Stops once past LOGGED_BODY. */
function bodyText(body: Buffer, contentType: string | undefined): { text: string; whole: boolean } {
  if (body.length === 0) return { text: '', whole: true };
  const boundary = boundaryOf(contentType);
  if (boundary) {
    let parts;
    try {
      parts = parseMultipart(body, boundary);
    } catch {
      // not multipart after all: shown as bytes or text below
    }
    if (parts) {
      let text = '';
      for (const [index, part] of parts.entries()) {
        const what = `--- part "${part.name}"${part.filename === undefined ? '' : ` filename="${part.filename}"`}${part.contentType ? ` (${part.contentType})` : ''}`;
        const inner = bodyText(part.data, part.contentType);
        text += `${index === 0 ? '' : '\n'}${what}\n${inner.text}`;
        if (text.length > LOGGED_BODY || !inner.whole) return { text, whole: false };
      }
      return { text, whole: true };
    }
  }
  const bytes = { text: `[${body.length} bytes${contentType ? ` of ${contentType}` : ''}]`, whole: true };
  if (/^(image|video|audio)\/|octet-stream|gzip|pdf/.test(contentType ?? '')) return bytes;
  let text: string;
  try {
    // `stream`: a character cut at the end of the slice is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(0, LOGGED_BODY), { stream: true });
  } catch {
    return bytes;
  }
  // Control characters other than tab and line breaks: bytes, not text.
  if ([...text.slice(0, 1024)].some((c) => c < ' ' && c !== '\t' && c !== '\n' && c !== '\r')) return bytes;
  return { text, whole: body.length <= LOGGED_BODY };
}

function loggedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

export interface ServerParts {
  runtime: Runtime;
  pipeline: Pipeline;
  faults: Faults;
  /** Called with every API request handled (its `seq` is given there). */
  record(entry: Omit<RequestRecord, 'seq'>): void;
  /** The console (`GET /` and its files), or undefined: not an API request. */
  page(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The control API (`/__sandbox/...`). */
  control(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void>;
}

interface Written {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** How a fault spoils an APIv3 signature. */
export function tweakOf(fault: Fault | undefined): SigningTweak {
  switch (fault) {
    case 'bad-signature':
      return { wrong: true };
    case 'stale-timestamp':
      return { timestamp: Math.floor(Date.now() / 1000) - 600 };
    case 'unknown-serial':
      return { serial: 'F'.repeat(40) };
    case 'probe-signature':
      return { probe: true };
    default:
      return {};
  }
}

/** The reply as bytes and headers: APIv3 signed with the platform key, APIv2 signed with the merchant's APIv2 secret. */
export async function render(runtime: Runtime, reply: Reply, requestSerial: string | undefined, fault: Fault | undefined): Promise<Written> {
  const headers: Record<string, string> = { 'Request-ID': requestId() };
  if (reply.kind === 'raw') return { status: reply.status, headers: { ...headers, ...reply.headers }, body: reply.body };
  if (reply.kind === 'v2') {
    const fields = { ...reply.fields };
    if (reply.signType) {
      const { sign: _sign, ...rest } = signedFields(fields);
      // A wrong secret gives a sign of the right shape that does not verify.
      const secret = fault === 'bad-signature' ? `${runtime.identity.secret.slice(1)}x` : runtime.identity.secret;
      fields['sign'] = v2Sign(reply.signType, rest, secret);
    }
    return { status: reply.status, headers: { ...headers, 'Content-Type': 'text/xml; charset=utf-8' }, body: Buffer.from(toV2Xml(fields)) };
  }
  if (reply.contentType) headers['Content-Type'] = reply.contentType;
  Object.assign(headers, reply.headers);
  if (reply.signature !== 'none') {
    let signed = reply.body;
    if (reply.signature === 'statement') {
      const sha1 = createHash('sha1').update(reply.body).digest('hex');
      headers['Wechatpay-Statement-Sha1'] = sha1;
      signed = Buffer.from(JSON.stringify({ sha1 }));
    }
    Object.assign(headers, await signatureHeaders(signed, signingKey(runtime.identity, runtime.settings.signWith, requestSerial), tweakOf(fault)));
  }
  return { status: reply.status, headers, body: reply.body };
}

/** The body, or undefined once it passes MAX_BODY: what was read is let go, and the rest is not read. */
function collect(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY) {
      resolve(undefined);
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        chunks = [];
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** How long a connection closed after a 413 stays open for its client to read the answer (lingering close). */
const LINGER_MS = 1000;

/**
 * 413, and the connection closed: the rest of the body is never read nor kept. node destroys a connection it
 * closes as soon as the answer is written, and a client still sending would then get a reset that can overtake
 * the 413; so the FIN goes at once and the socket is destroyed a moment later, its unread bytes left unread.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  const body = Buffer.from(JSON.stringify({ code: 'PARAM_ERROR', message: `The body exceeds ${MAX_BODY} bytes` }));
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), Connection: 'close' });
  res.end(body);
}

function write(res: ServerResponse, written: Written): void {
  const body = written.status === 204 || written.status === 304 ? Buffer.alloc(0) : written.body;
  res.writeHead(written.status, { ...written.headers, 'Content-Length': String(body.length) });
  res.end(body);
}

/** How long and how many connections the sandbox keeps (milliseconds, and a count). */
export interface ConnectionLimits {
  /**
   * An idle keep-alive connection is closed after this long (default 65 s: longer than node's agent keeps
   * one, 5 s, so that the client closes first and never reuses one the sandbox is closing).
   */
  keepAliveTimeout: number;
  /** The request's headers must arrive within this (default 66 s). */
  headersTimeout: number;
  /** The whole request, body included, must arrive within this (default 300 s). */
  requestTimeout: number;
  /** Connections open at once; more are refused (default 4096). */
  maxConnections: number;
}

export const CONNECTION_LIMITS: Readonly<ConnectionLimits> = { keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 300_000, maxConnections: 4096 };

/** The limits given, checked, over the defaults. */
export function connectionLimits(given: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits = { ...CONNECTION_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`limits.${name} is a whole number, 1 or more`);
  }
  if (limits.headersTimeout > limits.requestTimeout) throw new Error('limits.headersTimeout is at most limits.requestTimeout');
  return limits;
}

export function createSandboxServer(parts: ServerParts, limits: ConnectionLimits = CONNECTION_LIMITS): Server {
  const { runtime, pipeline, faults } = parts;
  // Node checks the headers and request timeouts every connectionsCheckingInterval (default 30 s).
  const server = createServer({ connectionsCheckingInterval: Math.min(30_000, Math.max(10, Math.floor(limits.headersTimeout / 4))) }, (req, res) => {
    void (async () => {
      const started = performance.now();
      const target = req.url ?? '/';
      const method = req.method ?? 'GET';
      const path = target.replace(/\?.*$/, '');
      // The console: only what no API path is (`/`, `/favicon.ico`), and never with a body to read.
      if (await parts.page(req, res)) return;
      const body = await collect(req);
      if (body === undefined) {
        refuseBody(req, res);
        return;
      }
      if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
        await parts.control(req, res, body);
        return;
      }
      const fault = faults.take(path);
      const request: LoggedMessage = { headers: loggedHeaders(req.headers), body: loggedBody(body, req.headers['content-type']) };
      const base = { time: new Date().toISOString(), method, target, ...(fault === undefined ? {} : { fault }) };
      const ms = () => Math.round((performance.now() - started) * 10) / 10;
      if (fault === 'drop') {
        req.socket.destroy();
        parts.record({ ...base, id: '', status: 0, code: 'DROPPED', ms: ms(), request, answer: { headers: {}, body: '' } });
        return;
      }
      if (typeof fault === 'object') await sleep(fault.delay);
      let written: Written;
      let template: string | undefined;
      let code: string | undefined;
      let check: Verdict | undefined;
      if (fault === 'server-error') {
        written = { status: 500, headers: { 'Request-ID': requestId(), 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ code: 'SYSTEM_ERROR', message: '系统错误' })) };
        code = 'SYSTEM_ERROR';
      } else if (fault === 'rate-limited') {
        written = {
          status: 429, headers: { 'Request-ID': requestId(), 'Content-Type': 'application/json', 'Retry-After': '1' },
          body: Buffer.from(JSON.stringify({ code: 'FREQUENCY_LIMITED', message: '频率超限' })),
        };
        code = 'FREQUENCY_LIMITED';
      } else {
        const handled = await pipeline.handle({ method, target, headers: req.headers, body });
        template = handled.endpoint?.template;
        code = handled.code;
        check = handled.verdict;
        const serial = req.headers['wechatpay-serial'];
        written = await render(runtime, handled.reply, Array.isArray(serial) ? serial[0] : serial, fault);
        // What the call changed is on disk (with --dir) before the caller hears of it.
        runtime.state.flush();
      }
      if (fault === 'reset-after-processing') {
        // The work is done (and logged with its answer), the answer never leaves: the connection is reset.
        req.socket.resetAndDestroy();
        parts.record({ ...base, id: written.headers['Request-ID'] ?? '', ...(template ? { template } : {}), status: 0, code: 'RESET_AFTER_PROCESSING', ms: ms(), request,
          answer: { headers: loggedHeaders(written.headers), body: loggedBody(written.body, written.headers['Content-Type']) } });
        return;
      }
      if (res.destroyed) return;
      write(res, written);
      parts.record({
        ...base, id: written.headers['Request-ID'] ?? '', ...(template ? { template } : {}), status: written.status, ...(code ? { code } : {}), ms: ms(),
        ...(check ? { check } : {}), request, answer: { headers: loggedHeaders(written.headers), body: loggedBody(written.body, written.headers['Content-Type']) },
      });
    })().catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      write(res, { status: 500, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ code: 'SANDBOX_ERROR', message: `The sandbox failed: ${message}` })) });
    });
  });
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.headersTimeout = limits.headersTimeout;
  server.requestTimeout = limits.requestTimeout;
  server.maxConnections = limits.maxConnections;
  return server;
}
