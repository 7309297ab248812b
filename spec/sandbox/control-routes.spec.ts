/**
 * The control API as a route table: what GET /__sandbox lists, a route added by a module (as a behaviour adds
 * its own), path variables decoded, the shared checks answering 400 with the same message the methods throw.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, requiredText } from '../../lib/sandbox/checks.js';
import { bytes, controlHandler, notFound, reply, type ControlRoute, type SandboxParts } from '../../lib/sandbox/control.js';
import { CONTROL_ROUTES } from '../../lib/sandbox/control-routes.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;

withSandbox((s) => {
  sandbox = s;
});

describe('the control route table', () => {
  it('lists every route in the overview, each path once per method', async () => {
    const { control } = await (await fetch(`${sandbox.baseURL}__sandbox`)).json() as { control: string[] };
    expect(control).toEqual(expect.arrayContaining([
      expect.stringMatching(/^GET \/__sandbox {2}/), expect.stringMatching(/^POST \/__sandbox\/orders\/\{out_trade_no\}\/close {2}/),
      expect.stringMatching(/^GET \/__sandbox\/media\/\{media_id\}/), expect.stringMatching(/^DELETE \/__sandbox\/certificates\/\{serial\}/),
      expect.stringMatching(/^POST \/__sandbox\/faults/), expect.stringMatching(/^GET \/__sandbox\/coupons/),
    ]));
    const keys = CONTROL_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('answers the same message from PUT /settings as configure() throws', async () => {
    const thrown = (() => {
      try {
        sandbox.configure({ refunds: 'later' as never });
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    })();
    const answer = await fetch(`${sandbox.baseURL}__sandbox/settings`, { method: 'PUT', body: JSON.stringify({ refunds: 'later' }) });
    expect([answer.status, (await answer.json() as { message: string }).message]).toEqual([400, thrown]);
    expect(thrown).toBe('refunds is "succeed" or "manual"');
  });

  describe('a route table of its own (as a behaviour adds routes)', () => {
    let server: Server;
    let base = '';
    const routes: ControlRoute[] = [
      { method: 'GET', path: 'things/{id}', handle: ({ params }) => (params['id'] === 'none' ? (() => { throw notFound(`No thing ${params['id']}`); })() : { id: params['id'] }) },
      { method: 'POST', path: 'things', handle: ({ input }) => reply(201, { made: requiredText(input()['name'], 'name') }) },
      { method: 'GET', path: 'things/{id}/raw', handle: ({ params }) => bytes({ 'Content-Type': 'text/plain' }, Buffer.from(params['id']!)) },
      { method: 'PUT', path: 'things', handle: () => { throw new InputError('busy', 409); } },
    ];
    beforeAll(async () => {
      const handler = controlHandler(sandbox, { host: '127.0.0.1' } as SandboxParts, routes);
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => void handler(req, res, Buffer.concat(chunks)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/__sandbox`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const call = async (method: string, path: string, body?: string) => {
      const answer = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body }) });
      const text = await answer.text();
      return { status: answer.status, type: answer.headers.get('content-type'), body: text.startsWith('{') ? JSON.parse(text) : text };
    };

    it('routes a path variable (decoded), a status of its own, bytes, a 404 and a status from a check', async () => {
      expect(await call('GET', '/things/%E4%B8%AD')).toMatchObject({ status: 200, body: { id: '中' } });
      expect(await call('GET', '/things/a/raw/')).toMatchObject({ status: 200, type: 'text/plain', body: 'a' });
      expect(await call('POST', '/things', '{"name":"n"}')).toMatchObject({ status: 201, body: { made: 'n' } });
      expect(await call('GET', '/things/none')).toMatchObject({ status: 404, body: { code: 'SANDBOX_ERROR', message: 'No thing none' } });
      expect(await call('PUT', '/things')).toMatchObject({ status: 409, body: { message: 'busy' } });
    });

    it('refuses a body that is not a JSON object, a missing field, bad percent-encoding and an unknown route', async () => {
      expect(await call('POST', '/things', '[1]')).toMatchObject({ status: 400, body: { message: 'The body must be a JSON object' } });
      expect(await call('POST', '/things', '{}')).toMatchObject({ status: 400, body: { message: 'name is required (a string)' } });
      expect(await call('GET', '/things/%ZZ')).toMatchObject({ status: 400, body: { message: expect.stringContaining('percent-encoding') } });
      expect(await call('DELETE', '/things')).toMatchObject({ status: 404, body: { message: expect.stringContaining('No control endpoint DELETE /__sandbox/things') } });
    });
  });
});
