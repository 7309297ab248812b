/**
 * The built package (dist/, made by `npm run build`, which `npm test` runs first) finds the application's
 * `@opentelemetry/api` from its CommonJS and its ES module build alike: a call is a span in both.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const repo = resolve(__dirname, '..', '..');

const registered = `
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const sandbox = await startSandbox();
try {
  const response = await Builder.factory(sandbox.config).v3.certificates.get();
  console.log(JSON.stringify({ status: response.status, spans: exporter.getFinishedSpans().map((span) => span.name) }));
} finally {
  await sandbox.close();
}`;

const scripts = {
  commonjs: `(async () => {
const { trace } = require('@opentelemetry/api');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { Builder } = require('./dist/cjs/index.js');
const { startSandbox } = require('./dist/cjs/sandbox/index.js');
${registered}
})();`,
  module: `
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Builder } from './dist/esm/index.js';
import { startSandbox } from './dist/esm/sandbox/index.js';
${registered}`,
};

it.each(Object.entries(scripts))('the %s build makes a span per call', async (kind, script) => {
  expect(existsSync(join(repo, 'dist', 'cjs', 'index.js'))).toBe(true);
  const args = kind === 'module' ? ['--input-type=module', '-e', script] : ['-e', script];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: repo, timeout: 60_000 });
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ status: 200, spans: ['GET v3/certificates'] });
}, 90_000);
