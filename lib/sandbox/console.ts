/**
 * The console: a web page at the sandbox's own base URL (`GET /`), plain HTML, CSS and a little JS read
 * from files beside the sandbox (lib/sandbox/console/ in a checkout, dist/sandbox-console/ in the
 * package), no build step and nothing fetched from elsewhere. It shows the request log with each
 * signature check's verdict, orders and refunds with their actions, notifications and their attempts,
 * coupon stocks, faults, and the merchant's identity; it updates live over server-sent events.
 *
 *     GET /                                  the console
 *     GET /__sandbox/console/<file>          its files
 *     GET /__sandbox/payer?out_trade_no=...  the payer's page (or ?code_url=weixin://...): confirm or cancel
 *     GET /__sandbox/qr.svg?text=...         a QR code (a Native order's code_url)
 *     GET /__sandbox/events                  server-sent events: request, state, faults, settings
 *
 * Like the control API, these answer only requests addressed to the sandbox itself: the Host header must
 * name an IP address, `localhost` or the host it was started on, with its port (a page on another name
 * that resolves to 127.0.0.1, DNS rebinding, gets nothing), and nothing here is served on an API path.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { renderSVG } from 'uqr';
import { here } from './data.js';
import type { Identity } from './identity.js';
import type { Sandbox, SandboxEvent } from './types.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/**
 * Nothing of the console runs but its own script files (no inline script or style, no eval, no plugin);
 * it loads nothing from elsewhere and cannot be framed.
 */
export const CONSOLE_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "frame-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

const SECURITY = {
  'Content-Security-Policy': CONSOLE_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Where the console's files are: beside the source, or in the built package. */
export function consoleFolder(): string {
  const candidates = [join(here(), 'console'), join(here(), '..', '..', 'sandbox-console')];
  const found = candidates.find((folder) => existsSync(join(folder, 'index.html')));
  if (!found) throw new Error(`The sandbox console's files are missing (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

/** Whether a request is addressed to the sandbox itself (its port, and an IP, `localhost` or the host it was started on). */
export function ownAddress(req: IncomingMessage, boundHost: string): boolean {
  const given = req.headers.host;
  if (!given) return false;
  let url: URL;
  try {
    url = new URL(`http://${given}`);
  } catch {
    return false;
  }
  const port = req.socket.localPort;
  if ((url.port === '' ? 80 : Number(url.port)) !== port) return false;
  const name = url.hostname.replace(/^\[|\]$/g, '');
  return name === 'localhost' || isIP(name) !== 0 || name === boundHost.toLowerCase();
}

/** A change asked by a page of the sandbox's own origin, or by no page at all (curl, a test, an SDK). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}

function sendText(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { ...SECURITY, 'Content-Type': type, 'Content-Length': String(bytes.length) });
  res.end(head ? undefined : bytes);
}

/** What the largest QR code (version 40, error correction L) holds in byte mode: UTF-8 text, at most this many bytes. */
export const QR_MAX_BYTES = 2953;

/** The SVG of `text`'s QR code, or why there is none. */
function qrCode(text: string): string | { refused: string } {
  if (text === '' || text.length > 1024) return { refused: 'text is 1 to 1024 characters' };
  const size = Buffer.byteLength(text, 'utf8');
  if (size > QR_MAX_BYTES) return { refused: `text is ${size} bytes in UTF-8: a QR code holds at most ${QR_MAX_BYTES} bytes` };
  try {
    return renderSVG(text, { border: 2 });
  } catch (error) {
    return { refused: `text cannot be drawn as a QR code: ${(error as Error).message}` };
  }
}

const PAGES = new Set(['/', '/favicon.ico', '/__sandbox/payer', '/__sandbox/qr.svg', '/__sandbox/events']);

/** The console's share of requests; resolves false for anything else (the API, the control API). */
export function consoleHandler(sandbox: Sandbox, extra: { identity: Identity; host: string }) {
  let folder: string | undefined;
  const file = (name: string): Buffer | undefined => {
    folder ??= consoleFolder();
    if (!/^[a-z][a-z0-9-]*\.(html|css|js|svg|png)$/.test(name)) return undefined;
    const path = join(folder, name);
    return existsSync(path) ? readFileSync(path) : undefined;
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const target = req.url ?? '/';
    const path = target.replace(/\?.*$/, '');
    const method = req.method ?? 'GET';
    const asset = path.startsWith('/__sandbox/console/');
    if (!PAGES.has(path) && !asset) return false;
    if (method !== 'GET' && method !== 'HEAD') {
      // `/` and the rest are not API paths: any other method is the API's 404 (the pipeline answers it).
      if (path === '/') return false;
      sendText(res, 405, 'text/plain; charset=utf-8', 'GET only\n', false);
      return true;
    }
    req.resume();
    const head = method === 'HEAD';
    if (!ownAddress(req, extra.host)) {
      sendText(res, 421, 'text/plain; charset=utf-8', `The console answers at the sandbox's own address only, not ${String(req.headers.host)}\n`, head);
      return true;
    }
    const query = new URL(target, 'http://sandbox').searchParams;
    if (path === '/') {
      sendText(res, 200, TYPES['html']!, file('index.html')!, head);
    } else if (path === '/favicon.ico') {
      sendText(res, 200, TYPES['svg']!, file('icon.svg') ?? '', head);
    } else if (path === '/__sandbox/payer') {
      sendText(res, 200, TYPES['html']!, file('payer.html')!, head);
    } else if (path === '/__sandbox/qr.svg') {
      const drawn = qrCode(query.get('text') ?? '');
      if (typeof drawn === 'object') sendText(res, 400, 'text/plain; charset=utf-8', `${drawn.refused}\n`, head);
      else sendText(res, 200, TYPES['svg']!, drawn, head);
    } else if (path === '/__sandbox/events') {
      events(sandbox, res);
    } else {
      const name = path.slice('/__sandbox/console/'.length);
      const bytes = file(name);
      if (!bytes) sendText(res, 404, 'text/plain; charset=utf-8', `No console file ${name}\n`, head);
      else sendText(res, 200, TYPES[name.replace(/^.*\./, '')]!, bytes, head);
    }
    return true;
  };
}

/**
 * What a subscriber to the events may fall behind (bytes written but not yet taken by the connection)
 * before it is disconnected: a reader that stopped reading would otherwise make the sandbox buffer every
 * event for it. An EventSource reconnects (`retry: 2000`) and the console reloads what it shows.
 */
export const SSE_BEHIND_LIMIT = 1024 * 1024;

/** Server-sent events: every request, state change, fault change and setting, as it happens. */
function events(sandbox: Sandbox, res: ServerResponse): void {
  res.writeHead(200, { ...SECURITY, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  const send = (text: string) => {
    if (res.destroyed) return;
    if (res.writableLength > SSE_BEHIND_LIMIT) {
      res.destroy();
      return;
    }
    res.write(text);
  };
  const write = (event: SandboxEvent) => {
    const data = event.type === 'request' ? event.record : event.type === 'state' ? event.change : event.type === 'settings' ? event.settings : {};
    send(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const stop = sandbox.subscribe(write);
  const beat = setInterval(() => send(': still here\n\n'), 15_000);
  beat.unref();
  // The response's close: the request's fires as soon as its (empty) body is read.
  res.on('close', () => {
    stop();
    clearInterval(beat);
  });
}
