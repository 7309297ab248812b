/** One embedded sandbox per spec file (or describe block), with a client configured from its sandbox.json. */
import { Builder, type Client } from '../../lib/index.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../lib/sandbox/index.js';

/** Starts a sandbox before the block's tests, hands it and its client to `use`, and closes it after them. */
export function withSandbox(use: (sandbox: Sandbox, client: Client) => void, options?: SandboxOptions): void {
  let started: Sandbox | undefined;
  beforeAll(async () => {
    started = await startSandbox(options);
    use(started, Builder.factory(started.config));
  }, 30_000);
  afterAll(() => started?.close());
}
