/**
 * Every example runs to completion against the embedded sandbox (the default without WECHATPAY_*). The examples
 * import the package by its name (`wechatpay-chain`, `wechatpay-chain/sandbox`), as a user's project does: the
 * package's self-reference resolves those through its exports map to the build (`npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts') && name !== 'support.ts');
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WECHATPAY_')));

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'esm', 'index.js'))) throw new Error('dist is missing: run npm run build first (npm test does)');
});

describe('examples/', () => {
  it('has one file per common task, and the demo', () => {
    expect(examples).toEqual(expect.arrayContaining([
      'demo.ts', 'upload-coupon-codes.ts', 'jsapi-order.ts', 'query-order.ts', 'refund.ts', 'upload-image.ts', 'download-bill.ts', 'parse-notification.ts', 'sensitive-fields.ts',
    ]));
  });

  it.each([...examples, 'support.ts'])('%s imports the package by its name, never lib/', (name) => {
    const source = readFileSync(join(root, 'examples', name), 'utf8');
    const specifiers = [...source.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((match) => match[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    // The notify-*.ts examples mount the handler in the web frameworks they show (devDependencies here).
    for (const specifier of specifiers) expect(specifier).toMatch(/^(node:|wechatpay-chain(\/sandbox)?$|\.\/(support|notify-node)\.js$|(express|koa|koa-bodyparser|fastify|hono|@hono\/node-server)$)/);
  });

  it.each(examples)('%s runs against the sandbox and exits 0', async (name) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join('examples', name)], { cwd: root, env, timeout: 60_000 });
    expect(stdout).toContain('sandbox');
    if (name === 'demo.ts') expect(stdout).toMatch(/✓ (\d+) of \1 answers verified/);
  }, 90_000);
});
