/** Every example runs to completion against the embedded sandbox (the default without WECHATPAY_*). */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts') && name !== 'support.ts');
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WECHATPAY_')));

describe('examples/', () => {
  it('has one file per common task, and the demo', () => {
    expect(examples).toEqual(expect.arrayContaining([
      'demo.ts', 'upload-coupon-codes.ts', 'jsapi-order.ts', 'query-order.ts', 'refund.ts', 'upload-image.ts', 'download-bill.ts', 'parse-notification.ts', 'sensitive-fields.ts',
    ]));
  });

  it.each(examples)('%s runs against the sandbox and exits 0', async (name) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join('examples', name)], { cwd: root, env, timeout: 60_000 });
    expect(stdout).toContain('sandbox');
    if (name === 'demo.ts') expect(stdout).toMatch(/✓ (\d+) of \1 answers verified/);
  }, 90_000);
});
