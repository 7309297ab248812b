/**
 * The control API, for tests, for the console and for people driving a sandbox started from the CLI with
 * curl. Plain JSON over HTTP under `/__sandbox/` (a prefix no API path uses), unauthenticated: it answers
 * only requests addressed to the sandbox's own address (see console.ts, `ownAddress`), and refuses
 * changes from a page of another origin; keep the sandbox on a loopback address.
 *
 *     GET    /__sandbox                          overview: config, endpoints, behaviours, faults, settings, delivery
 *     GET    /__sandbox/config                   sandbox.json
 *     GET    /__sandbox/files/<name>             sandbox.json, sandbox.inline.json (keys written in), apiclient_key.pem,
 *                                                apiclient_cert.pem, wechatpay_<serial>.pem, pub_key.pem (downloads)
 *     GET    /__sandbox/requests[?after=<seq>]   the request log (DELETE to clear it)
 *     GET    /__sandbox/faults                   pending faults
 *     POST   /__sandbox/faults                   {"fault":"bad-signature","count":2,"match":"/v3/pay/"}  (DELETE to clear)
 *     POST   /__sandbox/pay                      {"out_trade_no":"...","sub_mchid":"...","notify":true,"wait":true}
 *     POST   /__sandbox/orders/<no>/close        {"sub_mchid":"..."}
 *     GET    /__sandbox/orders[?detail=1]        the orders, as their query endpoint shows them (detail: with code_url...)
 *     GET    /__sandbox/orders/<out_trade_no>[?sub_mchid=]
 *     GET    /__sandbox/refunds                  the refunds
 *     POST   /__sandbox/refunds/<no>/settle      {"status":"SUCCESS"|"ABNORMAL"|"CLOSED","sub_mchid":"...","notify":true}
 *     POST   /__sandbox/notify                   {"url":"...","out_trade_no":"..."} | {"url":"...","out_refund_no":"..."} | {"url":"...","event_type":"...","resource":{...}}
 *     GET    /__sandbox/notifications            every notification and its attempts
 *     POST   /__sandbox/notifications/<id>/retry the next attempt, now
 *     GET    /__sandbox/coupons                  coupon stocks and their codes
 *     GET    /__sandbox/media/<media_id>         an uploaded file (the `media_url` of image uploads)
 *     GET    /__sandbox/settings                 PUT {"signWith":"public-key","refunds":"manual"}
 *     POST   /__sandbox/reset                    forget orders, refunds, codes, notifications, media, bills, faults and the log
 *     GET    /__sandbox/events                   server-sent events (console.ts)
 *     ...    /__sandbox/certificates             the platform certificate lifecycle (certificate-control.ts)
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { certificateControl } from './certificate-control.js';
import { parseFault, type Fault } from './faults.js';
import { inlineConfig, merchantFiles, type Identity } from './identity.js';
import type { Sandbox } from './index.js';
import { ownAddress, sameOrigin } from './console.js';
import { CONTROL_PREFIX } from './server.js';

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-store' });
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
const sub = (value: unknown) => (optional(value) ? { sub_mchid: optional(value)! } : {});

/** `/orders/T1/close` -> `/orders/*\/close` and `T1`: the route, and the decoded name in it. */
function routeOf(path: string): { route: string; name: string | undefined } {
  const match = /^\/(orders|media|refunds|notifications|files)\/([^/]+)(\/[a-z]+)?$/.exec(path);
  if (!match) return { route: path, name: undefined };
  let name: string;
  try {
    name = decodeURIComponent(match[2]!);
  } catch {
    throw new ControlError(400, `${match[2]} is not valid percent-encoding`);
  }
  return { route: `/${match[1]}/*${match[3] ?? ''}`, name };
}

export interface ControlExtra {
  endpoints: number;
  behaviours: readonly string[];
  identity: Identity;
  /** The address the sandbox listens on. */
  host: string;
}

/** Handles `/__sandbox/...` for `sandbox`. */
export function controlHandler(sandbox: Sandbox, extra: ControlExtra) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    try {
      if (!ownAddress(req, extra.host)) throw new ControlError(421, `The control API answers at the sandbox's own address only, not ${String(req.headers.host)}`);
      if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req)) throw new ControlError(403, `A change from the page ${String(req.headers.origin)} is refused: only the sandbox's own console may`);
      const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, '');
      if (/^\/certificates(\/|$)/.test(path)) return certificateControl(sandbox.certificates, method, path, body, res);
      const { route, name } = routeOf(path);
      switch (`${method} ${route}`) {
        case 'GET ':
          return send(res, 200, {
            baseURL: sandbox.baseURL, mchid: sandbox.config.mchid, config: sandbox.config, endpoints: extra.endpoints,
            behaviours: extra.behaviours, faults: sandbox.faults.pending, settings: sandbox.settings, delivery: sandbox.delivery,
            platform: sandbox.platform, stateFolder: sandbox.stateFolder ?? null, restored: sandbox.restored ?? null, pid: process.pid,
          });
        case 'GET /config':
          return send(res, 200, sandbox.config);
        case 'GET /files/*': {
          const fileName = name!;
          const files = merchantFiles(extra.identity);
          let content: Buffer;
          if (fileName === 'sandbox.inline.json') content = Buffer.from(`${JSON.stringify(inlineConfig(extra.identity, sandbox.baseURL), null, 2)}\n`);
          else if (fileName === 'sandbox.json') content = Buffer.from(`${JSON.stringify(sandbox.config, null, 2)}\n`);
          else if (files[fileName]) content = readFileSync(files[fileName]);
          else throw new ControlError(404, `No file ${fileName} (the merchant's files: ${['sandbox.inline.json', ...Object.keys(files)].join(', ')})`);
          res.writeHead(200, {
            'Content-Type': fileName.endsWith('.json') ? 'application/json; charset=utf-8' : 'application/x-pem-file',
            'Content-Disposition': `attachment; filename="${fileName}"`, 'Content-Length': String(content.length), 'Cache-Control': 'no-store',
          });
          res.end(content);
          return;
        }
        case 'GET /requests': {
          const after = Number(url.searchParams.get('after') ?? 0);
          return send(res, 200, sandbox.requests.filter((r) => r.seq > after));
        }
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
          const outTradeNo = text(request['out_trade_no'], 'out_trade_no');
          const options = { ...sub(request['sub_mchid']), ...(optional(request['openid']) ? { openid: optional(request['openid'])! } : {}), notify: request['notify'] === true };
          const before = sandbox.order(outTradeNo, options.sub_mchid)?.['trade_state'];
          // The order is paid before pay() first waits: only the notification's first attempt is awaited.
          const paid = sandbox.pay(outTradeNo, options);
          if (request['wait'] === false && before === 'NOTPAY') {
            // The payer page: the payment is made at once, the notification goes on without it.
            paid.catch(() => undefined);
            return send(res, 200, { transaction: sandbox.order(outTradeNo, options.sub_mchid) });
          }
          return send(res, 200, await paid);
        }
        case 'POST /orders/*/close':
          return send(res, 200, sandbox.closeOrder(name!, optional(input(body)['sub_mchid']) ?? optional(url.searchParams.get('sub_mchid'))));
        case 'POST /notify': {
          const request = input(body);
          const target = text(request['url'], 'url');
          const what = optional(request['out_trade_no'])
            ? { order: optional(request['out_trade_no'])!, ...sub(request['sub_mchid']) }
            : optional(request['out_refund_no'])
              ? { refund: optional(request['out_refund_no'])!, ...sub(request['sub_mchid']) }
              : {
                  resource: (request['resource'] ?? {}) as Record<string, unknown>,
                  ...(optional(request['event_type']) ? { event_type: optional(request['event_type'])! } : {}),
                  ...(optional(request['original_type']) ? { original_type: optional(request['original_type'])! } : {}),
                  ...(optional(request['summary']) ? { summary: optional(request['summary'])! } : {}),
                };
          const result = await sandbox.notify(target, what);
          return send(res, 200, { status: result.status, body: result.body });
        }
        case 'GET /notifications':
          return send(res, 200, sandbox.notifications());
        case 'POST /notifications/*/retry':
          return send(res, 200, await sandbox.retryNotification(name!));
        case 'GET /orders':
          return send(res, 200, url.searchParams.get('detail') ? sandbox.orders({ detail: true }) : sandbox.orders());
        case 'GET /orders/*': {
          const order = sandbox.order(name!, optional(url.searchParams.get('sub_mchid')));
          if (!order) throw new ControlError(404, `No order ${name}`);
          return send(res, 200, order);
        }
        case 'GET /refunds':
          return send(res, 200, sandbox.refunds());
        case 'POST /refunds/*/settle': {
          const request = input(body);
          const status = request['status'];
          if (status !== 'SUCCESS' && status !== 'ABNORMAL' && status !== 'CLOSED') throw new ControlError(400, 'status is "SUCCESS", "ABNORMAL" or "CLOSED"');
          return send(res, 200, await sandbox.settleRefund(name!, status, { ...sub(request['sub_mchid']), notify: request['notify'] !== false }));
        }
        case 'GET /coupons':
          return send(res, 200, sandbox.coupons());
        case 'GET /media/*': {
          const media = sandbox.media(name!);
          if (!media) throw new ControlError(404, `No media ${name}`);
          res.writeHead(200, { 'Content-Type': media.contentType, 'Content-Length': String(media.bytes.length) });
          res.end(media.bytes);
          return;
        }
        case 'GET /settings':
          return send(res, 200, sandbox.settings);
        case 'PUT /settings': {
          const { signWith, refunds } = input(body);
          if (signWith !== undefined && signWith !== 'certificate' && signWith !== 'public-key') throw new ControlError(400, 'signWith is "certificate" or "public-key"');
          if (refunds !== undefined && refunds !== 'succeed' && refunds !== 'manual') throw new ControlError(400, 'refunds is "succeed" or "manual"');
          return send(res, 200, sandbox.configure({ ...(signWith ? { signWith } : {}), ...(refunds ? { refunds } : {}) }));
        }
        case 'POST /reset':
          sandbox.reset();
          return send(res, 200, { reset: true });
        default:
          throw new ControlError(404, `No control endpoint ${method} ${url.pathname} (see GET ${CONTROL_PREFIX})`);
      }
    } catch (error) {
      const status = error instanceof ControlError ? error.status : 400;
      send(res, status, { code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) });
    }
  };
}
