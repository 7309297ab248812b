/**
 * The control API, for tests and for people driving a sandbox started from the CLI with curl. Plain JSON
 * over HTTP under `/__sandbox/` (a prefix no API path uses), unauthenticated: keep the sandbox on a
 * loopback address.
 *
 *     GET    /__sandbox                    overview: config, endpoints, behaviours, pending faults, settings
 *     GET    /__sandbox/config             sandbox.json
 *     GET    /__sandbox/requests           the request log (DELETE to clear it)
 *     GET    /__sandbox/faults             pending faults
 *     POST   /__sandbox/faults             {"fault":"bad-signature","count":2,"match":"/v3/pay/"}  (DELETE to clear)
 *     POST   /__sandbox/pay                {"out_trade_no":"...","sub_mchid":"...","notify":true}
 *     POST   /__sandbox/notify             {"url":"...","out_trade_no":"..."} | {"url":"...","out_refund_no":"..."} | {"url":"...","event_type":"...","resource":{...}}
 *     GET    /__sandbox/orders             the orders, as their query endpoint shows them
 *     GET    /__sandbox/orders/<out_trade_no>
 *     GET    /__sandbox/media/<media_id>   an uploaded file (the `media_url` of image uploads)
 *     PUT    /__sandbox/settings           {"signWith":"public-key"}
 *     POST   /__sandbox/reset              forget orders, refunds, codes, media, bills, faults and the log
 *     ...    /__sandbox/certificates       the platform certificate lifecycle (certificate-control.ts)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { certificateControl } from './certificate-control.js';
import { parseFault, type Fault } from './faults.js';
import type { Sandbox } from './index.js';
import { CONTROL_PREFIX } from './server.js';

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
}

class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function input(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw new ControlError(400, 'The body must be a JSON object');
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ControlError(400, `${name} is required (a string)`);
  return value;
}

const optional = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Handles `/__sandbox/...` for `sandbox`. */
export function controlHandler(sandbox: Sandbox, extra: { endpoints: number; behaviours: readonly string[] }) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, '');
    const route = `${req.method ?? 'GET'} ${path.replace(/^\/(orders|media)\/.+$/, '/$1/*')}`;
    const tail = decodeURIComponent(path.replace(/^\/(orders|media)\//, ''));
    if (/^\/certificates(\/|$)/.test(path)) return certificateControl(sandbox.certificates, req.method ?? 'GET', path, body, res);
    try {
      switch (route) {
        case 'GET ':
          return send(res, 200, {
            baseURL: sandbox.baseURL, mchid: sandbox.config.mchid, config: sandbox.config, endpoints: extra.endpoints,
            behaviours: extra.behaviours, faults: sandbox.faults.pending, settings: sandbox.settings,
          });
        case 'GET /config':
          return send(res, 200, sandbox.config);
        case 'GET /requests':
          return send(res, 200, sandbox.requests);
        case 'DELETE /requests':
          sandbox.clearRequests();
          return send(res, 200, { cleared: true });
        case 'GET /faults':
          return send(res, 200, sandbox.faults.pending);
        case 'POST /faults': {
          const { fault, count = 1, match } = input(body);
          let checked: Fault;
          try {
            checked = parseFault(fault);
          } catch (error) {
            throw new ControlError(400, (error as Error).message);
          }
          if (!Number.isSafeInteger(count) || (count as number) < 1) throw new ControlError(400, 'count must be a whole number, 1 or more');
          sandbox.faults.inject(checked, count as number, optional(match));
          return send(res, 201, sandbox.faults.pending);
        }
        case 'DELETE /faults':
          sandbox.faults.clear();
          return send(res, 200, []);
        case 'POST /pay': {
          const request = input(body);
          const options = { ...(optional(request['sub_mchid']) ? { sub_mchid: optional(request['sub_mchid'])! } : {}), ...(optional(request['openid']) ? { openid: optional(request['openid'])! } : {}), notify: request['notify'] === true };
          return send(res, 200, await sandbox.pay(text(request['out_trade_no'], 'out_trade_no'), options));
        }
        case 'POST /notify': {
          const request = input(body);
          const url = text(request['url'], 'url');
          const what = optional(request['out_trade_no'])
            ? { order: optional(request['out_trade_no'])!, ...(optional(request['sub_mchid']) ? { sub_mchid: optional(request['sub_mchid'])! } : {}) }
            : optional(request['out_refund_no'])
              ? { refund: optional(request['out_refund_no'])!, ...(optional(request['sub_mchid']) ? { sub_mchid: optional(request['sub_mchid'])! } : {}) }
              : {
                  resource: (request['resource'] ?? {}) as Record<string, unknown>,
                  ...(optional(request['event_type']) ? { event_type: optional(request['event_type'])! } : {}),
                  ...(optional(request['original_type']) ? { original_type: optional(request['original_type'])! } : {}),
                  ...(optional(request['summary']) ? { summary: optional(request['summary'])! } : {}),
                };
          const result = await sandbox.notify(url, what);
          return send(res, 200, { status: result.status, body: result.body });
        }
        case 'GET /orders':
          return send(res, 200, sandbox.orders());
        case 'GET /orders/*': {
          const order = sandbox.order(tail, optional(url.searchParams.get('sub_mchid')));
          if (!order) throw new ControlError(404, `No order ${tail}`);
          return send(res, 200, order);
        }
        case 'GET /media/*': {
          const media = sandbox.media(tail);
          if (!media) throw new ControlError(404, `No media ${tail}`);
          res.writeHead(200, { 'Content-Type': media.contentType, 'Content-Length': String(media.bytes.length) });
          res.end(media.bytes);
          return;
        }
        case 'PUT /settings': {
          const { signWith } = input(body);
          if (signWith !== 'certificate' && signWith !== 'public-key') throw new ControlError(400, 'signWith is "certificate" or "public-key"');
          sandbox.signWith(signWith);
          return send(res, 200, sandbox.settings);
        }
        case 'POST /reset':
          sandbox.reset();
          return send(res, 200, { reset: true });
        default:
          throw new ControlError(404, `No control endpoint ${req.method} ${url.pathname} (see GET ${CONTROL_PREFIX})`);
      }
    } catch (error) {
      const status = error instanceof ControlError ? error.status : 400;
      send(res, status, { code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) });
    }
  };
}
