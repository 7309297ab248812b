/** One embedded sandbox per spec file (or describe block), with a client configured from its sandbox.json. */
import { Builder, type Client } from '../../lib/index.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../lib/sandbox/index.js';
import { identityCopy, removeCopy } from './identity-template.js';

/**
 * Starts a sandbox before the block's tests, hands it and its client to `use`, and closes it after them. Unless
 * `options` name a folder or a merchant, the sandbox starts in a copy of the worker's identity
 * (spec/support/identity-template.ts), keeping its state in memory as a sandbox in a temporary folder does.
 */
export function withSandbox(use: (sandbox: Sandbox, client: Client) => void, options?: SandboxOptions): void {
  let started: Sandbox | undefined;
  let folder: string | undefined;
  beforeAll(async () => {
    folder = options?.dir === undefined && options?.mchid === undefined ? await identityCopy() : undefined;
    started = await startSandbox(folder === undefined ? options : { persist: false, ...options, dir: folder });
    use(started, Builder.factory(started.config));
  }, 30_000);
  afterAll(async () => {
    await started?.close();
    removeCopy(folder);
  });
}
