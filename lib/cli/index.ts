/**
 * `npx wechatpay-chain <command>` (also `npx wechatpay`): `request` (any endpoint, lib/cli/request.ts),
 * `sandbox` (below; `sandbox trigger`: lib/cli/trigger.ts), `certificates download`, `doctor`, `completion`.
 * A failure prints its code and message on stderr and exits with the code of its kind (lib/cli/exit.ts).
 *
 *     wechatpay-chain sandbox [--port 8080] [--host 127.0.0.1] [--dir ./.sandbox] [--mchid 1230000109]
 *                             [--sign-with certificate|public-key] [--refunds succeed|manual]
 *                             [--time-scale 1] [--notify-timeout 5000] [--forward-to <url>] [--quiet]
 *
 * starts the local WeChat Pay platform, writes `<dir>/sandbox.json` (what `Builder.factory` takes), serves
 * the console at its base URL and logs every request until stopped. A folder named with `--dir` also
 * keeps the state (orders, refunds, coupon codes, notifications) across restarts.
 *
 * It stops on SIGINT, SIGTERM and SIGHUP (a second one exits at once), and when it was started by npm
 * (`npm run sandbox`, `npx ...`) and npm goes away: npm passes a signal to its shell only, which does not
 * pass it on, so the sandbox watches for its parent changing instead.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_NOTIFY_TIMEOUT } from '../sandbox/deliveries.js';
import { VERSION } from '../version.js';
import { httpUrl, milliseconds, port, scale } from './arguments.js';
import { registerCertificates } from './certificates.js';
import { registerCompletion } from './completion.js';
import { registerDoctor } from './doctor.js';
import { describeError, exitCodeOf } from './exit.js';
import { printDeliveries } from './forward.js';
import { registerRequest } from './request.js';
import { registerTrigger } from './trigger.js';

interface SandboxFlags {
  port: number;
  host: string;
  dir: string;
  mchid?: string;
  signWith: 'certificate' | 'public-key';
  refunds: 'succeed' | 'manual';
  timeScale: number;
  notifyTimeout: number;
  forwardTo?: string;
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
    ...(flags.forwardTo ? { forwardTo: flags.forwardTo } : {}),
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
    ...(flags.forwardTo ? [`  notifications forwarded to ${flags.forwardTo} (instead of their notify_url), each attempt printed`] : []),
    `  control API: ${started.baseURL}__sandbox (faults, pay, notify, requests)`,
    ...(loopback ? [] : ['  warning: the console and the control API are unauthenticated and this address is not a loopback one']),
    'Stop with Ctrl-C.',
  ].join('\n'));
  if (flags.forwardTo) printDeliveries(started);

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
    .version(VERSION)
    // Commander's own exits become errors, so that every failure leaves through one place (the end of this file).
    .exitOverride()
    // A command's options come before its subcommand (`sandbox [options]` vs `sandbox trigger [options]`: both have --dir).
    .enablePositionalOptions();
  registerRequest(cli);
  const sandboxCommand = cli.command('sandbox')
    .description('start the local WeChat Pay platform simulator, with its console at its base URL')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', port, 8080)
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-d, --dir <dir>', 'folder for the keys and sandbox.json (made, or reused when present); named, it also keeps the state', './.sandbox')
    .option('--mchid <mchid>', 'merchant id of a new sandbox identity (default 1230000109)')
    .addOption(new Option('--sign-with <key>', 'platform key that signs answers').choices(['certificate', 'public-key']).default('certificate'))
    .addOption(new Option('--refunds <mode>', 'refunds succeed at once, or wait to be settled in the console').choices(['succeed', 'manual']).default('succeed'))
    .option('--time-scale <factor>', 'multiply the notification retry intervals (0.001: 15 s become 15 ms)', scale, 1)
    .option('--notify-timeout <ms>', 'how long the merchant has to answer a notification', milliseconds, DEFAULT_NOTIFY_TIMEOUT)
    .option('--forward-to <url>', "deliver every notification to this URL instead of the notify_url it names (printed as it goes)", httpUrl)
    .option('-q, --quiet', 'do not log requests')
    .action((flags: SandboxFlags, command: Command) => sandbox(flags, command));
  registerTrigger(sandboxCommand);
  registerCertificates(cli);
  registerDoctor(cli);
  registerCompletion(cli);
  return cli;
}

// A reader that stops early (`... | head -1`) is not a failure of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

program().parseAsync(process.argv).catch((error: unknown) => {
  const code = exitCodeOf(error);
  // Commander has printed its own message (usage, help, version) already.
  if (!(error instanceof Error && error.name === 'CommanderError')) console.error(`wechatpay-chain: ${describeError(error)}`);
  process.exitCode = code;
});
