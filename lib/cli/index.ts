/**
 * `npx wechatpay-chain <command>` (also `npx wechatpay`). One command for now:
 *
 *     wechatpay-chain sandbox [--port 8080] [--host 127.0.0.1] [--dir ./.sandbox] [--mchid 1230000109]
 *                             [--sign-with certificate|public-key] [--refunds succeed|manual]
 *                             [--time-scale 1] [--notify-timeout 5000] [--quiet]
 *
 * starts the local WeChat Pay platform, writes `<dir>/sandbox.json` (what `Builder.factory` takes), serves
 * the console at its base URL and logs every request until stopped. A folder named with `--dir` also
 * keeps the state (orders, refunds, coupon codes, notifications) across restarts.
 *
 * It stops on SIGINT, SIGTERM and SIGHUP (a second one exits at once), and when it was started by npm
 * (`npm run sandbox`, `npx ...`) and npm goes away: npm passes a signal to its shell only, which does not
 * pass it on, so the sandbox watches for its parent changing instead.
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

function scale(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 1) throw new InvalidArgumentError('the time scale is a number above 0, at most 1 (0.001: a thousand times faster)');
  return number;
}

function milliseconds(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('a timeout is a whole number of milliseconds, 1 or more');
  return number;
}

interface SandboxFlags {
  port: number;
  host: string;
  dir: string;
  mchid?: string;
  signWith: 'certificate' | 'public-key';
  refunds: 'succeed' | 'manual';
  timeScale: number;
  notifyTimeout: number;
  quiet?: boolean;
}

async function sandbox(flags: SandboxFlags, command: Command): Promise<void> {
  // Loaded here: the sandbox (ajv, the API description) is for this command only.
  const { startSandbox } = await import('../sandbox/index.js');
  const dir = resolve(flags.dir);
  const persist = command.getOptionValueSource('dir') === 'cli';
  const started = await startSandbox({
    port: flags.port,
    host: flags.host,
    dir,
    persist,
    signWith: flags.signWith,
    refunds: flags.refunds,
    timeScale: flags.timeScale,
    notifyTimeout: flags.notifyTimeout,
    ...(flags.mchid ? { mchid: flags.mchid } : {}),
    ...(flags.quiet ? {} : {
      onRequest: (r) => console.log(`${r.time} ${r.method} ${r.target} -> ${r.status}${r.code ? ` ${r.code}` : ''}${r.check && !r.check.ok ? ` (${r.check.rule}: ${r.check.reason})` : ''}${r.fault ? ` (fault ${JSON.stringify(r.fault)})` : ''} ${r.ms} ms`),
    }),
  });
  const loopback = /^(127\.|::1$|localhost$)/.test(flags.host);
  console.log([
    `WeChat Pay sandbox listening on ${started.baseURL}`,
    `  console: ${started.baseURL} (open it in a browser)`,
    `  merchant ${started.config.mchid}, platform certificate ${started.platform.serial}, public key ${started.platform.publicKeyId}`,
    `  settings for Builder.factory: ${resolve(dir, 'sandbox.json')}`,
    `  state: ${started.stateFolder ? `kept in ${started.stateFolder} (${started.restored?.records ?? 0} records restored${started.restored?.droppedBytes ? `, a torn write of ${started.restored.droppedBytes} bytes dropped` : ''})` : 'in memory (name a folder with --dir to keep it)'}`,
    ...(flags.timeScale !== 1 ? [`  notification retries at ${flags.timeScale} times the platform's intervals`] : []),
    `  control API: ${started.baseURL}__sandbox (faults, pay, notify, requests)`,
    ...(loopback ? [] : ['  warning: the console and the control API are unauthenticated and this address is not a loopback one']),
    'Stop with Ctrl-C.',
  ].join('\n'));

  let stopping = false;
  const stop = (why: string) => {
    if (stopping) {
      // A second signal: do not wait for anything.
      process.exit(1);
    }
    stopping = true;
    if (!flags.quiet) console.log(`Stopping (${why}).`);
    // Whatever hangs, the process ends.
    setTimeout(() => process.exit(1), 5000).unref();
    void started.close().then(() => process.exit(0), () => process.exit(1));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  if (process.env['npm_command'] !== undefined || process.env['npm_lifecycle_event'] !== undefined) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('npm, which started it, has gone');
    }, 500).unref();
  }
}

function program(): Command {
  const cli = new Command('wechatpay-chain')
    .description('WeChat Pay SDK tools')
    .version(VERSION);
  cli.command('sandbox')
    .description('start the local WeChat Pay platform simulator, with its console at its base URL')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', port, 8080)
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-d, --dir <dir>', 'folder for the keys and sandbox.json (made, or reused when present); named, it also keeps the state', './.sandbox')
    .option('--mchid <mchid>', 'merchant id of a new sandbox identity (default 1230000109)')
    .addOption(new Option('--sign-with <key>', 'platform key that signs answers').choices(['certificate', 'public-key']).default('certificate'))
    .addOption(new Option('--refunds <mode>', 'refunds succeed at once, or wait to be settled in the console').choices(['succeed', 'manual']).default('succeed'))
    .option('--time-scale <factor>', 'multiply the notification retry intervals (0.001: 15 s become 15 ms)', scale, 1)
    .option('--notify-timeout <ms>', 'how long the merchant has to answer a notification', milliseconds, 5000)
    .option('-q, --quiet', 'do not log requests')
    .action((flags: SandboxFlags, command: Command) => sandbox(flags, command));
  registerCertificates(cli);
  registerDoctor(cli);
  return cli;
}

program().parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
