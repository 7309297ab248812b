/**
 * The control API's table: the sandbox's own routes (below), the faults' (faults.ts), the platform
 * certificates' (certificate-control.ts) and every behaviour's (behaviours/index.ts).
 *
 *     GET    /__sandbox                          overview: config, endpoints, behaviours, faults, settings, delivery, routes
 *     GET    /__sandbox/config                   sandbox.json
 *     GET    /__sandbox/files/<name>             sandbox.json, sandbox.inline.json (keys written in), apiclient_key.pem,
 *                                                apiclient_cert.pem, wechatpay_<serial>.pem, pub_key.pem (downloads)
 *     GET    /__sandbox/requests[?after=<seq>]   the request log (DELETE to clear it)
 *     GET    /__sandbox/settings                 PUT {"signWith":"public-key","refunds":"manual"}
 *     POST   /__sandbox/reset                    forget orders, refunds, codes, notifications, media, bills, faults and the log
 *     GET    /__sandbox/events                   server-sent events (console.ts)
 */
import { readFileSync } from 'node:fs';
import { BEHAVIOUR_CONTROL_ROUTES, BEHAVIOUR_ROUTES } from './behaviours/index.js';
import { certificateRoutes } from './certificate-control.js';
import { settingsChanges } from './checks.js';
import { bytes, notFound, type ControlRoute } from './control.js';
import { faultRoutes } from './faults.js';
import { inlineConfig, merchantFiles } from './identity.js';
import { storedContentHeaders } from './stored-content.js';

const overview: ControlRoute = {
  method: 'GET', path: '', summary: 'this overview',
  handle: ({ sandbox, parts }) => ({
    baseURL: sandbox.baseURL, mchid: sandbox.config.mchid, config: sandbox.config, endpoints: parts.runtime.data.endpoints.length,
    behaviours: BEHAVIOUR_ROUTES, faults: sandbox.faults.pending, settings: sandbox.settings, delivery: sandbox.delivery,
    platform: sandbox.platform, stateFolder: sandbox.stateFolder ?? null, restored: sandbox.restored ?? null, pid: process.pid,
    control: CONTROL_ROUTES.map((route) => `${route.method} /__sandbox${route.path ? `/${route.path}` : ''}${route.summary ? `  ${route.summary}` : ''}`),
  }),
};

const sandboxRoutes: readonly ControlRoute[] = [
  overview,
  { method: 'GET', path: 'config', summary: 'sandbox.json', handle: ({ sandbox }) => sandbox.config },
  {
    method: 'GET', path: 'files/{name}', summary: "the merchant's files (downloads)",
    handle: ({ sandbox, parts, params }) => {
      const name = params['name']!;
      const { identity } = parts.runtime;
      const files = merchantFiles(identity);
      let content: Buffer;
      if (name === 'sandbox.inline.json') content = Buffer.from(`${JSON.stringify(inlineConfig(identity, sandbox.baseURL), null, 2)}\n`);
      else if (name === 'sandbox.json') content = Buffer.from(`${JSON.stringify(sandbox.config, null, 2)}\n`);
      else if (Object.hasOwn(files, name)) content = readFileSync(files[name]!);
      else throw notFound(`No file ${name} (the merchant's files: ${['sandbox.inline.json', ...Object.keys(files)].join(', ')})`);
      // Always an attachment: neither type is in the inline allow-list.
      return bytes(storedContentHeaders(name.endsWith('.json') ? 'application/json; charset=utf-8' : 'application/x-pem-file', name), content);
    },
  },
  {
    method: 'GET', path: 'requests', summary: '[?after=<seq>] the request log',
    handle: ({ sandbox, query }) => {
      const after = Number(query.get('after') ?? 0);
      return sandbox.requests.filter((r) => r.seq > after);
    },
  },
  {
    method: 'DELETE', path: 'requests', summary: 'clear the request log',
    handle: ({ sandbox }) => {
      sandbox.clearRequests();
      return { cleared: true };
    },
  },
  { method: 'GET', path: 'settings', summary: 'signWith, refunds', handle: ({ sandbox }) => sandbox.settings },
  { method: 'PUT', path: 'settings', summary: '{"signWith":"public-key","refunds":"manual"}', handle: ({ sandbox, input }) => sandbox.configure(settingsChanges(input())) },
  {
    method: 'POST', path: 'reset', summary: 'forget orders, refunds, codes, notifications, media, bills, faults and the log',
    handle: ({ sandbox }) => {
      sandbox.reset();
      return { reset: true };
    },
  },
];

/** Every control route, in the order the overview lists them. */
export const CONTROL_ROUTES: readonly ControlRoute[] = [...sandboxRoutes, ...faultRoutes, ...certificateRoutes, ...BEHAVIOUR_CONTROL_ROUTES];
