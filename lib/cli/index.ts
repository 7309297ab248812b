/**
 * `npx wechatpay-chain <command>` (also `npx wechatpay`). One command for now:
 *
 *     wechatpay-chain sandbox [--port 8080] [--host 127.0.0.1] [--dir ./.sandbox] [--mchid 1230000109]
 *                             [--sign-with certificate|public-key] [--quiet]
 *
 * starts the local WeChat Pay platform, writes `<dir>/sandbox.json` (what `Builder.factory` takes) and
 * logs every request until interrupted.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { VERSION } from '../version.js';
import { registerCertificates } from './certificates.js';
import { registerDoctor } from './doctor.js';

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError('a port is 0 to 65535 (0: any free port)');
  return number;
}

interface SandboxFlags {
  port: number;
  host: string;
  dir: string;
  mchid?: string;
  signWith: 'certificate' | 'public-key';
  quiet?: boolean;
}

async function sandbox(flags: SandboxFlags): Promise<void> {
  // Loaded here: the sandbox (ajv, the API description) is for this command only.
  const { startSandbox } = await import('../sandbox/index.js');
  const dir = resolve(flags.dir);
  const started = await startSandbox({
    port: flags.port,
    host: flags.host,
    dir,
    signWith: flags.signWith,
    ...(flags.mchid ? { mchid: flags.mchid } : {}),
    ...(flags.quiet ? {} : {
      onRequest: (r) => console.log(`${r.time} ${r.method} ${r.target} -> ${r.status}${r.code ? ` ${r.code}` : ''}${r.fault ? ` (fault ${JSON.stringify(r.fault)})` : ''} ${r.ms} ms`),
    }),
  });
  const loopback = /^(127\.|::1$|localhost$)/.test(flags.host);
  console.log([
    `WeChat Pay sandbox listening on ${started.baseURL}`,
    `  merchant ${started.config.mchid}, platform certificate ${started.platform.serial}, public key ${started.platform.publicKeyId}`,
    `  settings for Builder.factory: ${resolve(dir, 'sandbox.json')}`,
    `  control API: ${started.baseURL}__sandbox (faults, pay, notify, requests)`,
    ...(loopback ? [] : ['  warning: the control API is unauthenticated and this address is not a loopback one']),
    'Stop with Ctrl-C.',
  ].join('\n'));
  const stop = () => {
    void started.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function program(): Command {
  const cli = new Command('wechatpay-chain')
    .description('WeChat Pay SDK tools')
    .version(VERSION);
  cli.command('sandbox')
    .description('start the local WeChat Pay platform simulator')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', port, 8080)
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-d, --dir <dir>', 'folder for the keys and sandbox.json (made, or reused when present)', './.sandbox')
    .option('--mchid <mchid>', 'merchant id of a new sandbox identity (default 1230000109)')
    .addOption(new Option('--sign-with <key>', 'platform key that signs answers').choices(['certificate', 'public-key']).default('certificate'))
    .option('-q, --quiet', 'do not log requests')
    .action((flags: SandboxFlags) => sandbox(flags));
  registerCertificates(cli);
  registerDoctor(cli);
  return cli;
}

program().parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
