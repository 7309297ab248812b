/**
 * The layers of lib/ as eslint.config.js enforces them: an import across a forbidden line is an error
 * (import-x/no-restricted-paths), so the sandbox cannot import the client's signing code, the toolkit cannot
 * import core, helpers cannot import core, and nothing but its entry loads redis/.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');

/** Each probe (a file name and its text) linted with the project's configuration, in one ESLint run (a child process: the config is an ES module). */
async function lintProbes(probes: Array<[string, string]>): Promise<string[][]> {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const [file, source] of ${JSON.stringify(probes)}) {
      const [result] = await eslint.lintText(source, { filePath: file });
      out.push(result.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message));
    }
    console.log(JSON.stringify(out));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 120_000 });
  return JSON.parse(stdout) as string[][];
}

const forbidden: Array<[string, string, RegExp]> = [
  ['lib/sandbox/probe.ts', "import { Rsa } from '../crypto/rsa.js';", /sandbox checks clients with its own code/],
  ['lib/sandbox/probe.ts', "import { createV3Signer } from '../v3/signer.js';", /sandbox checks clients with its own code/],
  ['lib/crypto/probe.ts', "import { Builder } from '../core/builder.js';", /toolkit/],
  ['lib/util/probe.ts', "import { Notification } from '../helpers/notification.js';", /toolkit/],
  ['lib/crypto/probe.ts', "import { Transformer } from '../util/transformer.js';", /util\/formatter\.ts only/],
  ['lib/helpers/probe.ts', "import { Builder } from '../core/builder.js';", /helpers\/ sit under core/],
  ['lib/v3/probe.ts', "import { signPayload } from '../v2/signer.js';", /independent protocols/],
  ['lib/v2/probe.ts', "import { createTransport } from '../core/transport.js';", /protocols/],
  ['lib/core/probe.ts', "import { RedisCertificateStore } from '../redis/index.js';", /optional 'wechatpay-chain\/redis' entry|core\/ does not use/],
  ['lib/redis/probe.ts', "import { Builder } from '../core/builder.js';", /redis\/ implements the stores/],
  ['lib/core/probe.ts', "import { usePlatform } from '../../spec/support/platform.js';", /never imports tests/],
];
const allowed: Array<[string, string]> = [
  ['lib/sandbox/probe.ts', "import { CryptoError } from '../errors.js';"],
  ['lib/crypto/probe.ts', "import { Formatter } from '../util/formatter.js';"],
  ['lib/helpers/probe.ts', "import { PlatformKeys } from '../v3/platform-keys.js';"],
  ['lib/core/probe.ts', "import { Notification } from '../helpers/notification.js';"],
  ['lib/redis/probe.ts', "import type { CertificateStore } from '../helpers/certificate-store.js';"],
];

let errors: string[][];
beforeAll(async () => {
  errors = await lintProbes([...forbidden, ...allowed].map(([file, line]) => [file, `${line}\nexport const probe = 1;\n`]));
}, 120_000);

describe('the layers of lib/', () => {
  it.each(forbidden.map((probe, index) => [...probe, index] as const))('%s may not: %s', (_file, _line, reason, index) => {
    expect(errors[index]!.length).toBeGreaterThan(0);
    expect(errors[index]!.join('\n')).toMatch(reason);
  });

  it.each(allowed.map((probe, index) => [...probe, forbidden.length + index] as const))('%s may: %s', (_file, _line, index) => {
    expect(errors[index]).toEqual([]);
  });
});
