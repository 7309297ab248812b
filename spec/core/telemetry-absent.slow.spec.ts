/**
 * Without `@opentelemetry/api` (an optional peer dependency) calls work as ever, retries included: a node process
 * whose module resolution cannot find the package (as when it is not installed) makes a call that is retried once,
 * and the SDK looked for the package on its first call only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const repo = resolve(__dirname, '..', '..');
let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'wechatpay-otel-absent-'));
  writeFileSync(join(folder, 'hide.cjs'), `
const Module = require('node:module');
const resolveFilename = Module._resolveFilename;
globalThis.otelLookups = 0;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    globalThis.otelLookups += 1;
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};
`);
  writeFileSync(join(folder, 'call.mts'), `
import { Builder } from ${JSON.stringify(join(repo, 'lib/index.ts'))};
import { startSandbox } from ${JSON.stringify(join(repo, 'lib/sandbox/index.ts'))};
const sandbox = await startSandbox();
try {
  const client: any = Builder.factory(sandbox.config);
  sandbox.faults.inject('server-error', 1, '/v3/certificates');
  const first = await client.v3.certificates.get();
  const afterFirst = (globalThis as any).otelLookups;
  const second = await client.v3.certificates.get();
  console.log(JSON.stringify({ statuses: [first.status, second.status], attempts: first.attempts.length, looked: afterFirst > 0, again: (globalThis as any).otelLookups - afterFirst }));
} finally {
  await sandbox.close();
}
`);
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

it('calls and retries work; the package is looked for on the first call only', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--require', join(folder, 'hide.cjs'), '--import', 'tsx', join(folder, 'call.mts')], { cwd: repo, timeout: 60_000 });
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ statuses: [200, 200], attempts: 2, looked: true, again: 0 });
}, 90_000);
