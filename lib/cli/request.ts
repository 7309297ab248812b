/**
 * `wechatpay-chain request`: any endpoint from a shell, through the SDK (signed, verified, as configured).
 *
 *     wechatpay-chain request <template | chain> [-m verb] [-d JSON | -d @file.json] [-q key=value ...]
 *                             [--var name=value ...] [-H 'Name: value' ...] [--xml JSON] [--sink file]
 *                             [-c settings.json | settings flags | WECHATPAY_* variables] [-u base URL] [--json] [-i]
 *
 * Prints the verified answer as JSON (`-i`: with its status and headers); with `--sink`, saves the download
 * atomically (the SDK's `sink`) with a progress bar on a terminal. A failure prints the SDK's code and message
 * on stderr, nothing on stdout, and exits with the code of its kind (exit.ts).
 */
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { Builder } from '../core/builder.js';
import type { HttpVerb } from '../types.js';
import { jsonArgument } from './arguments.js';
import { nameEndpoint, type NamedEndpoint } from './endpoints.js';
import { UsageError } from './exit.js';
import { progressBar, type Progress } from './progress.js';
import { addSettingsOptions, clientConfig, settingsOf, type SettingsFlags } from './settings.js';

interface RequestFlags extends SettingsFlags {
  method?: HttpVerb;
  data?: string;
  xml?: string;
  query?: string[];
  var?: string[];
  header?: string[];
  sink?: string;
  json?: boolean;
  include?: boolean;
}

interface Answer {
  status: number;
  headers: unknown;
  data: unknown;
}

type Verb = (options: Record<string, unknown>) => Promise<Answer>;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Options the SDK reads itself: not to be given as template variables. */
const RESERVED = new Set(['json', 'query', 'params', 'body', 'multipart', 'xml', 'security', 'nonceless', 'headers', 'baseURL', 'base_uri', 'sink']);

/** `key=value` pairs (`-q`, `--var`) as an object; a repeated key keeps its last value. */
function assignments(flag: string, list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at < 1) throw new UsageError(`${flag} ${item}: write it as name=value`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** `Name: value` headers (`-H`). */
function headerList(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf(':');
    if (at < 1) throw new UsageError(`-H ${item}: write it as 'Name: value'`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

function verbOf(named: NamedEndpoint, given: HttpVerb | undefined): HttpVerb {
  if (given) return given;
  if (named.verbs.length === 1) return named.verbs[0]!;
  if (named.verbs.length > 1) throw new UsageError(`${named.described} has ${named.verbs.join(', ')}: choose one with -m`);
  throw new UsageError(`${named.template} is not in the API description: give its verb with -m`);
}

/** The options of the call, from the flags. */
function optionsOf(named: NamedEndpoint, flags: RequestFlags): Record<string, unknown> {
  const v2 = /^v2\//.test(named.described ?? named.template);
  const options: Record<string, unknown> = {};
  if (flags.data !== undefined) {
    if (v2) throw new UsageError('an APIv2 endpoint takes its fields with --xml JSON, not -d');
    options['json'] = jsonArgument('-d', flags.data);
  }
  if (flags.xml !== undefined) {
    const fields = jsonArgument('--xml', flags.xml);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new UsageError('--xml takes a JSON object of the APIv2 fields');
    options['xml'] = fields;
  }
  if (flags.query) options['query'] = assignments('-q', flags.query);
  if (flags.header) options['headers'] = headerList(flags.header);
  for (const [name, value] of Object.entries(assignments('--var', flags.var ?? []))) {
    if (RESERVED.has(name)) throw new UsageError(`--var ${name}: ${name} is a request option, not a template variable`);
    options[name] = value;
  }
  return options;
}

/** The verb function of the endpoint on this client: the chain walked property by property, or the template written out. */
function verbFunction(client: unknown, named: NamedEndpoint, verb: HttpVerb): Verb {
  const members = (value: unknown) => value as Record<string, unknown>;
  let node: unknown = named.chain
    ? named.chain.reduce((parent, property) => members(parent)[property], client)
    : (members(client)['chain'] as (template: string) => unknown)(named.template);
  node = members(node)[verb];
  return node as Verb;
}

/** Whether the endpoint's documented answer announces a download (`download_url` with its hash: bills, receipts). */
function announcesDownload(named: NamedEndpoint, verb: HttpVerb): boolean {
  return named.entries.some((entry) => entry.method === verb && typeof entry.example.answer === 'object' && entry.example.answer !== null
    && !Array.isArray(entry.example.answer) && 'download_url' in entry.example.answer);
}

/** The download an answer announced, as a template of the client's host (the host it names is never contacted itself). */
function downloadTemplate(data: unknown): string {
  const url = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['download_url'] : undefined;
  if (typeof url !== 'string' || url === '') throw new UsageError('--sink: the answer announces no download_url (nothing to download)');
  const parsed = new URL(url, 'https://api.mch.weixin.qq.com/');
  // Braces are the only characters a URI template would read; the rest of the query is kept byte for byte.
  return `${parsed.pathname.replace(/^\/+/, '')}${parsed.search.replace(/[{}]/g, (brace) => (brace === '{' ? '%7B' : '%7D'))}`;
}

function print(value: unknown, oneLine: boolean | undefined): void {
  process.stdout.write(`${JSON.stringify(value, null, oneLine ? undefined : 2)}\n`);
}

async function request(endpoint: string, flags: RequestFlags): Promise<void> {
  const named = nameEndpoint(endpoint);
  const verb = verbOf(named, flags.method);
  const options = optionsOf(named, flags);
  const settings = settingsOf(flags, process.env);
  if (!settings.mchid || !settings.serial || !settings.privateKey) {
    throw new UsageError('the merchant settings are missing: give -c sandbox.json, --mchid with -s and -f, or WECHATPAY_MCHID, WECHATPAY_SERIAL and WECHATPAY_PRIVATE_KEY');
  }
  const client = Builder.factory(clientConfig(settings));
  const call = verbFunction(client, named, verb);

  if (flags.sink === undefined) {
    const answer = await call(options);
    if (Buffer.isBuffer(answer.data) && !flags.include) {
      process.stdout.write(answer.data);
      return;
    }
    print(flags.include ? { status: answer.status, headers: answer.headers, data: answer.data } : answer.data, flags.json);
    return;
  }

  const path = resolve(flags.sink);
  const bar = progressBar(basename(path));
  const onDownloadProgress = (event: Progress) => bar.update({ loaded: event.loaded, total: event.total });
  let announced: Answer | undefined;
  let saved: Answer;
  try {
    if (announcesDownload(named, verb)) {
      // The same client verifies the announcing answer and downloads: the file is checked against the announced hash.
      announced = await call(options);
      const download = (client as unknown as { chain(template: string): Record<string, Verb> }).chain(downloadTemplate(announced.data));
      saved = await download['get']!({ sink: path, onDownloadProgress });
    } else {
      saved = await call({ ...options, sink: path, onDownloadProgress });
    }
  } finally {
    bar.stop();
  }
  const file = typeof saved.data === 'string' ? saved.data : path;
  const result = { path: file, bytes: statSync(file).size, ...(announced ? { announced: announced.data } : {}) };
  print(flags.include ? { status: saved.status, headers: saved.headers, ...result } : result, flags.json);
}

/** Adds `request` to the CLI. */
export function registerRequest(cli: Command): void {
  const command = cli.command('request')
    .description('call any endpoint through the SDK (signed, and the answer verified) and print the answer as JSON')
    .argument('<endpoint>', "the template as documented (v3/pay/transactions/out-trade-no/{out_trade_no}) or a chain (v3.pay.transactions.outTradeNo._out_trade_no_)")
    .addOption(new Option('-m, --method <verb>', "the HTTP verb (default: the endpoint's one, from the API description)").choices(['get', 'post', 'put', 'patch', 'delete']))
    .option('-d, --data <json>', 'the JSON body (APIv3), inline or @file.json (@-: stdin)')
    .option('-q, --query <key=value>', 'a query string parameter (repeatable)', collect)
    .option('--var <name=value>', 'a URI template variable, such as out_trade_no=T1001 (repeatable)', collect)
    .option('-H, --header <header>', "a request header, 'Name: value' (repeatable)", collect)
    .option('--xml <json>', 'the fields of an APIv2 (v2/...) request as a JSON object, inline or @file.json')
    .option('--sink <file>', 'save the download to this file, atomically (bills, statements, media); a progress bar on a terminal');
  addSettingsOptions(command, { mchid: '--mchid <mchid>', baseUrl: 'the API host (default: the settings\', else https://api.mch.weixin.qq.com/)' })
    .option('--json', 'print the answer on one line')
    .option('-i, --include', 'print the status and the headers with the answer')
    .addHelpText('after', [
      '',
      'Settings: the flags, else -c <file> (sandbox.json: what Builder.factory takes), else WECHATPAY_MCHID, WECHATPAY_SERIAL,',
      'WECHATPAY_PRIVATE_KEY, WECHATPAY_CERTS, WECHATPAY_PUBLIC_KEY_ID + WECHATPAY_PUBLIC_KEY, WECHATPAY_APIV3_KEY, WECHATPAY_SECRET,',
      'WECHATPAY_MERCHANT_CERT, WECHATPAY_BASE_URL (the APIv3 key and the APIv2 secret: from the file or the variables only).',
      '',
      'Exit codes: 0 done, 1 another failure (a file), 2 bad usage or settings, 3 the platform answered an error (ApiError),',
      '4 an answer or a download failed verification, 5 transport (unreachable, timed out, broken off).',
      '',
      'Examples:',
      '  wechatpay-chain request v3/pay/transactions/out-trade-no/{out_trade_no} --var out_trade_no=T1001 -q mchid=1230000109 -c sandbox.json',
      '  wechatpay-chain request v3.pay.transactions.native -d @order.json -c sandbox.json',
      "  wechatpay-chain request v2/pay/orderquery --xml '{\"appid\":\"wx8888888888888888\",\"mch_id\":\"1230000109\",\"out_trade_no\":\"T1001\"}' -c sandbox.json",
      '  wechatpay-chain request v3/bill/tradebill -q bill_date=2024-06-01 --sink tradebill.csv -c sandbox.json',
    ].join('\n'))
    .action((endpoint: string, flags: RequestFlags) => request(endpoint, flags));
}
