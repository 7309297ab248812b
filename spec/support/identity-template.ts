/**
 * One sandbox identity (keys and certificates) per jest worker, made by the first withSandbox() of the worker and
 * copied into the folder of each one after it: a sandbox's RSA keys take most of its start, and twenty-odd spec
 * files start one. Making an identity, and every other way of starting a sandbox, stay as they are
 * (spec/sandbox/identity.spec.ts starts its own). The run's identities are removed by spec/support/global-teardown.cjs.
 */
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureIdentity } from '../../lib/sandbox/identity.js';

/** A new folder holding a copy of this worker's identity, made first if need be; undefined outside a jest run. */
export async function identityCopy(): Promise<string | undefined> {
  const run = process.env['SPEC_RUN_ID']; // spec/support/global-setup.cjs
  if (!run) return undefined;
  const template = join(tmpdir(), `wechatpay-spec-identity-${run}-${process.env['JEST_WORKER_ID'] ?? '0'}`);
  if (!existsSync(template)) {
    const making = mkdtempSync(`${template}.making-`);
    await ensureIdentity(making);
    renameSync(making, template);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wechatpay-spec-sandbox-'));
  cpSync(template, dir, { recursive: true });
  return dir;
}

export function removeCopy(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
