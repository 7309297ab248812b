/**
 * `wechatpay-chain sandbox trigger <event-type> --to <url>`: one notification, as the sandbox's platform sends
 * it (its own modules: the envelope, the AES-256-GCM resource, the signature), signed with the platform key
 * kept in the sandbox's folder (whether that sandbox runs or not) and encrypted with its merchant's APIv3 key,
 * POSTed to `url` and retried on the platform's schedule (time-scaled) until a 2xx answer, each attempt reported.
 *
 *     wechatpay-chain sandbox trigger TRANSACTION.SUCCESS --to http://127.0.0.1:3000/notify [--dir ./.sandbox]
 *                                     [--resource @file.json] [--time-scale 0.001] [--attempts 16] [--sign-with public-key]
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { notificationBody, post } from '../sandbox/behaviours/notifications.js';
import { DEFAULT_NOTIFY_TIMEOUT, RETRY_SCHEDULE } from '../sandbox/deliveries.js';
import { loadIdentity } from '../sandbox/identity.js';
import { signatureHeaders, signingKey, type SignWith } from '../sandbox/sign.js';
import { count, httpUrl, jsonArgument, milliseconds, scale } from './arguments.js';
import { EVENT_TYPES, resourceOf } from './events.js';
import { EXIT, UsageError } from './exit.js';

interface TriggerFlags {
  to: string;
  dir: string;
  resource?: string;
  originalType?: string;
  timeScale: number;
  attempts: number;
  notifyTimeout: number;
  signWith: SignWith;
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** `15 s`, `3 min`, `6 h`: a wait as the platform's schedule gives it. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3600_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

async function trigger(eventType: string, flags: TriggerFlags): Promise<void> {
  const dir = resolve(flags.dir);
  const identity = loadIdentity(dir);
  if (!identity) throw new UsageError(`${dir} holds no sandbox: start one there first (wechatpay-chain sandbox --dir ${flags.dir}), or name its folder with --dir`);
  const known = EVENT_TYPES.get(eventType);
  if (!known && flags.resource === undefined) {
    throw new UsageError(`${eventType} is not an event type the API description documents (see --help); give its resource with --resource to send it anyway`);
  }
  const resource = flags.resource === undefined ? resourceOf(eventType, identity.mchid) : jsonArgument('--resource', flags.resource);
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) throw new UsageError('--resource takes a JSON object');
  const { id, body } = notificationBody(identity, {
    event_type: eventType,
    original_type: flags.originalType ?? known?.original ?? 'transaction',
    ...(known ? { summary: known.summary } : {}),
    resource: resource as Record<string, unknown>,
  });
  const key = signingKey(identity, flags.signWith);
  console.log(`${eventType} ${id} -> ${flags.to} (signed by ${key.id}, merchant ${identity.mchid})`);
  const attempts = Math.min(flags.attempts, RETRY_SCHEDULE.length + 1);
  for (let n = 1; n <= attempts; n += 1) {
    // Fresh signature headers on every attempt, as the platform makes them.
    const headers = { 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/4.0', ...await signatureHeaders(Buffer.from(body), key) };
    const started = Date.now();
    let delivered = false;
    try {
      const answer = await post(flags.to, headers, body, flags.notifyTimeout);
      delivered = answer.status >= 200 && answer.status < 300;
      const text = answer.body.length > 200 ? `${answer.body.slice(0, 200)}...` : answer.body;
      console.log(`  attempt ${n}: ${answer.status}${text ? ` ${text}` : ''} (${Date.now() - started} ms)`);
    } catch (error) {
      console.log(`  attempt ${n}: no answer: ${(error as Error).message} (${Date.now() - started} ms)`);
    }
    if (delivered) {
      console.log('Delivered.');
      return;
    }
    if (n < attempts) {
      const wait = RETRY_SCHEDULE[n - 1]! * 1000 * flags.timeScale;
      console.log(`  next attempt in ${duration(wait)}`);
      await pause(wait);
    }
  }
  console.log(`Given up after ${attempts} attempt${attempts === 1 ? '' : 's'}.`);
  process.exitCode = EXIT.failure;
}

/** Adds `trigger` under the `sandbox` command. */
export function registerTrigger(sandbox: Command): void {
  sandbox.command('trigger')
    .description("send one notification as the sandbox's platform does (signed with its key, the resource encrypted with its merchant's APIv3 key), retried on the platform's schedule until answered 2xx")
    .argument('<event-type>', 'TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, MCHTRANSFER.BILL.FINISHED, ...: every type the API description documents (listed below)')
    .requiredOption('--to <url>', "the merchant's notify URL", httpUrl)
    .option('--dir <dir>', "the sandbox's folder, whose platform keys sign (it need not be running)", './.sandbox')
    .option('--resource <json>', 'the resource to send, inline or @file.json (default: a realistic one from the API description)')
    .option('--original-type <type>', "the resource's original_type and associated_data (default: the event's)")
    .option('--time-scale <factor>', "multiply the platform's retry intervals (15s, 15s, 30s, 3m, ... 6h; 0.001: 15 s become 15 ms)", scale, 1)
    .option('--attempts <n>', `at most this many attempts (default: the platform's ${RETRY_SCHEDULE.length + 1})`, count, RETRY_SCHEDULE.length + 1)
    .option('--notify-timeout <ms>', 'how long the receiver has to answer one attempt', milliseconds, DEFAULT_NOTIFY_TIMEOUT)
    .addOption(new Option('--sign-with <key>', 'the platform key that signs').choices(['certificate', 'public-key']).default('certificate'))
    .addHelpText('after', `\nExit codes: 0 delivered (a 2xx answer), 1 given up, 2 bad usage.\n\nEvent types:\n${[...EVENT_TYPES].map(([type, event]) => `  ${type.padEnd(38)} ${event.summary}`).join('\n')}`)
    .action((eventType: string, flags: TriggerFlags) => trigger(eventType, flags));
}
