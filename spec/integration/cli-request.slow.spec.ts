/**
 * `wechatpay-chain request` and `wechatpay-chain completion` as users run them: the built bin
 * (dist/cjs/cli/index.js; `npm run build` first) as a child process, against a sandbox in this process, with
 * sandbox.json as its settings. Children that do not depend on each other run at once.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../lib/cli/events.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

const bin = join(__dirname, '..', '..', 'dist', 'cjs', 'cli', 'index.js');
// Child processes on a shared machine: seconds each under load.
jest.setTimeout(60_000);
let sandbox: Sandbox;
let dir: string;
let config: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
  sandbox = await startSandbox();
  config = join(sandbox.dir, 'sandbox.json');
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-cli-request-'));
}, 30_000);
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking this process (the sandbox answers from it). */
function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env['PATH'] ?? '', HOME: dir }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const cli = (...args: string[]): Promise<Run> => run(process.execPath, [bin, ...args]);

/** Yesterday in Beijing: a day whose bill exists. */
const billDate = (): string => new Date(Date.now() + 8 * 3600_000 - 24 * 3600_000).toISOString().slice(0, 10);

/** What no output may ever show: the merchant's private key, the APIv3 key, the APIv2 secret. */
function secrets(): string[] {
  const key = readFileSync(sandbox.config.privateKey.replace(/^file:\/\//, ''), 'utf8').split('\n')[1]!;
  return [key, sandbox.config.apiv3Key, sandbox.config.secret];
}

describe('wechatpay-chain request', () => {
  it('places an order through a chain (the verb from the API description) and queries it through a template', async () => {
    const order = {
      appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'CLI', out_trade_no: 'CLI-1001',
      notify_url: 'https://example.com/notify', amount: { total: 100 },
    };
    const placed = await cli('request', 'v3.pay.transactions.native', '-d', JSON.stringify(order), '-c', config);
    expect(placed).toMatchObject({ code: 0, stderr: '' });
    expect(placed.stdout).toMatch(/^\{\n {2}"code_url": "weixin:\/\/wxpay\/bizpayurl\?pr=\w+"\n\}\n$/);
    expect(sandbox.order('CLI-1001')).toMatchObject({ trade_state: 'NOTPAY', amount: { total: 100 } });

    const queried = await cli('request', 'v3/pay/transactions/out-trade-no/{out_trade_no}', '--var', 'out_trade_no=CLI-1001',
      '-q', `mchid=${sandbox.config.mchid}`, '-c', config, '-i', '--json');
    expect(queried).toMatchObject({ code: 0, stderr: '' });
    expect(queried.stdout.trimEnd().split('\n')).toHaveLength(1);
    const answer = JSON.parse(queried.stdout);
    expect(answer).toMatchObject({ status: 200, data: { out_trade_no: 'CLI-1001', trade_state: 'NOTPAY' } });
    expect(answer.headers['wechatpay-serial']).toBe(sandbox.platform.serial);
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'GET', target: `/v3/pay/transactions/out-trade-no/CLI-1001?mchid=${sandbox.config.mchid}`, status: 200 });
  });

  it('calls APIv2 with --xml: the fields signed with the secret, the answer verified', async () => {
    const fields = {
      appid: 'wxd678efh567hg6787', mch_id: sandbox.config.mchid, body: 'CLI', out_trade_no: 'CLI-V2', total_fee: 1,
      spbill_create_ip: '127.0.0.1', notify_url: 'https://example.com/notify', trade_type: 'NATIVE',
    };
    const called = await cli('request', 'v2/pay/unifiedorder', '--xml', JSON.stringify(fields), '-c', config, '--json');
    expect(called).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(called.stdout)).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', appid: fields.appid, mch_id: sandbox.config.mchid });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'POST', target: '/pay/unifiedorder', status: 200 });
  });

  it('downloads a bill with --sink: checked against the hash its answer announced, written whole; no progress bar without a terminal', async () => {
    const file = join(dir, 'tradebill.csv');
    const saved = await cli('request', 'v3/bill/tradebill', '-q', `bill_date=${billDate()}`, '--sink', file, '-c', config);
    expect(saved).toMatchObject({ code: 0, stderr: '' });
    const result = JSON.parse(saved.stdout);
    expect(result).toMatchObject({ path: file, announced: { hash_type: 'SHA1', download_url: expect.stringContaining('/v3/billdownload/file?token=') } });
    const bytes = readFileSync(file);
    expect(result.bytes).toBe(bytes.length);
    expect(bytes.toString('utf8')).toContain('交易时间');
    expect(createHash('sha1').update(bytes).digest('hex')).toBe(result.announced.hash_value);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('shows the download on a terminal: a progress bar with the bytes, the rate and the time left', async () => {
    const file = join(dir, 'tradebill-tty.csv');
    const command = [process.execPath, bin, 'request', 'v3/bill/tradebill', '-q', `bill_date=${billDate()}`, '--sink', file, '-c', config].join(' ');
    const shown = await run('script', ['-qec', command, '/dev/null']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/tradebill-tty\.csv \[=+\] 100% \| [\d.]+ (B|KiB) \/ [\d.]+ (B|KiB) \| [\d.]+ (B|KiB|MiB)\/s \| ETA \d+s/);
    expect(existsSync(file)).toBe(true);
  });

  it('fails verification with exit code 4: the SDK code on stderr, nothing on stdout, no key material', async () => {
    sandbox.faults.inject('bad-signature', 1, '/v3/pay/transactions/out-trade-no/');
    const refused = await cli('request', 'v3.pay.transactions.outTradeNo.CLI-1001', '-q', `mchid=${sandbox.config.mchid}`, '-c', config);
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^wechatpay-chain: EV3_RES_HEADER_SIGNATURE_DIGEST: .*does not verify/);
    for (const secret of secrets()) expect(refused.stderr).not.toContain(secret);
  });

  it('tells an API error (3), a transport failure (5) and bad usage (2) apart, with nothing on stdout', async () => {
    const [api, transport, json, verb, missing] = await Promise.all([
      cli('request', 'v3.pay.transactions.outTradeNo.NOT-THERE', '-q', `mchid=${sandbox.config.mchid}`, '-c', config),
      cli('request', 'v3.pay.transactions.outTradeNo.CLI-1001', '-q', `mchid=${sandbox.config.mchid}`, '-c', config, '-u', 'http://127.0.0.1:1/'),
      cli('request', 'v3.pay.transactions.native', '-d', '{"amount":', '-c', config),
      cli('request', 'v3.pay.transactions.native', '-m', 'fetch', '-c', config),
      cli('request', 'v3/pay/transactions/out-trade-no/{out_trade_no}', '-c', config),
    ]);
    expect(api).toMatchObject({ code: 3, stdout: '' });
    expect(api.stderr).toMatch(/^wechatpay-chain: ORDER_NOT_EXIST: .*answered 404/);
    expect(transport).toMatchObject({ code: 5, stdout: '' });
    expect(transport.stderr).toContain('EREQUEST_TRANSPORT');
    expect(json).toMatchObject({ code: 2, stdout: '' });
    expect(json.stderr).toContain('-d is not JSON');
    expect(verb).toMatchObject({ code: 2, stdout: '' });
    expect(verb.stderr).toContain("argument 'fetch' is invalid");
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('EURI_VARIABLE_MISSING');
  });
});

describe('the help of each command', () => {
  it('names every option, the exit codes and the event types', async () => {
    const commands = [['request'], ['sandbox'], ['sandbox', 'trigger'], ['completion'], ['doctor'], ['certificates', 'download'], []];
    const script = commands.map((words) => `"${process.execPath}" "${bin}" ${words.join(' ')} --help; echo "=== $?"`).join('\n');
    const { stdout } = await run('bash', ['-c', script]);
    const helps = stdout.split(/=== \d+\n/);
    expect(stdout.match(/=== 0/g)).toHaveLength(commands.length);
    const [request, sandboxHelp, trigger, completion] = helps;
    for (const flag of ['-m, --method <verb>', '-d, --data <json>', '-q, --query <key=value>', '--var <name=value>', "-H, --header <header>", '--xml <json>',
      '--sink <file>', '-c, --config <file>', '--mchid <mchid>', '-s, --serial <serial>', '-f, --private-key <file>', '-u, --base-url <url>', '--json', '-i, --include']) {
      expect(request).toContain(flag);
    }
    expect(request).toContain('Exit codes: 0 done, 1 another failure (a file), 2 bad usage or settings, 3 the platform answered an error');
    expect(request).toContain('WECHATPAY_MCHID');
    expect(sandboxHelp).toContain('--forward-to <url>');
    expect(sandboxHelp).toContain('trigger [options] <event-type>');
    for (const flag of ['--to <url>', '--dir <dir>', '--resource <json>', '--time-scale <factor>', '--attempts <n>', '--sign-with <key>']) expect(trigger).toContain(flag);
    for (const type of EVENT_TYPES.keys()) expect(trigger).toContain(`  ${type} `);
    expect(completion).toContain('choices: "bash", "zsh"');
    expect(helps[6]).toMatch(/request \[options\] <endpoint>[\s\S]*completion <shell>/);
  });
});

describe('wechatpay-chain completion bash', () => {
  it('completes the commands, the endpoint templates, the event types and the options', async () => {
    const complete = (words: string[]) => `COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _wechatpay_chain; echo "\${COMPREPLY[*]}"`;
    const script = [
      `source <("${process.execPath}" "${bin}" completion bash)`,
      complete(['wechatpay-chain', 'req']),
      complete(['wechatpay-chain', 'request', 'v3/pay/transactions/out-t']),
      complete(['wechatpay-chain', 'sandbox', 'trigger', 'REFUND.']),
      complete(['wechatpay-chain', 'request', 'v3/bill/tradebill', '--si']),
      complete(['wechatpay-chain', 'request', 'v3/x', '-m', 'p']),
      'complete -p wechatpay',
    ].join('\n');
    const { code, stdout } = await run('bash', ['-c', script]);
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'request',
      'v3/pay/transactions/out-trade-no/{out_trade_no} v3/pay/transactions/out-trade-no/{out_trade_no}/close v3/pay/transactions/out-trade-no/{out_trade_no}/reverse',
      'REFUND.SUCCESS REFUND.ABNORMAL REFUND.CLOSED',
      '--sink',
      'post put patch',
      'complete -o default -F _wechatpay_chain wechatpay',
      '',
    ]);
  });
});
