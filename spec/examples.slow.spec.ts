/**
 * Every example runs to completion against the embedded sandbox (the default without WECHATPAY_*), and prints
 * the lines that show it did its job: each example has its expectations below, on what it printed. The examples
 * import the package by its name (`wechatpay-chain`, `wechatpay-chain/sandbox`), as a user's project does: the
 * package's self-reference resolves those through its exports map to the build (`npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts') && name !== 'support.ts');
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WECHATPAY_')));

const SERIAL = '[0-9A-F]{40}';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TRANSACTION_ID = '\\d{28}';
/** 2048-bit RSA signatures and ciphertexts, in base64. */
const RSA_BASE64 = '[A-Za-z0-9+/]{342}==';

/** The lines of `stdout` that match `pattern` (whole lines), with their groups. */
function lines(stdout: string, pattern: string): RegExpMatchArray[] {
  return stdout.split('\n').map((line) => line.match(new RegExp(`^${pattern}$`))).filter((match): match is RegExpMatchArray => match !== null);
}

/** The one line that matches `pattern`, with its groups. */
function line(stdout: string, pattern: string): RegExpMatchArray {
  const found = lines(stdout, pattern);
  if (found.length !== 1) throw new Error(`expected one line matching /^${pattern}$/, found ${found.length} in:\n${stdout}`);
  return found[0]!;
}

/**
 * The notify-*.ts walk-through, in `framework`: the sandbox's signed notification for a paid order reaches the
 * handler of its event type once and is answered 204; a copy with a bad signature is refused (401, the handler not run).
 */
const notifies = (framework: string) => (stdout: string) => {
  line(stdout, `${framework}: notifications at http://127\\.0\\.0\\.1:\\d+/notify`);
  line(stdout, `paid: NOTIFY\\d+ 88 fen \\(notification ${UUID}\\)`);
  line(stdout, 'the sandbox\'s notification was answered HTTP 204 ""');
  line(stdout, 'a copy with a bad signature: HTTP 401 .*"code":"FAIL".*');
};

/** What each example must print: the lines that prove it did what it says. */
const shows: Record<string, (stdout: string, stderr: string) => void> = {
  'auto-certificates.ts': (stdout, stderr) => {
    const [, first] = line(stdout, `platform certificates downloaded \\(first-use\\): (${SERIAL})`);
    line(stdout, `trusted certificate ${first} \\(downloaded, until \\d{4}-\\d{2}-\\d{2}\\)`);
    const [, rotated] = line(stdout, `the sandbox rotated its certificate: (${SERIAL})`);
    expect(rotated).not.toBe(first);
    // One look-up of the new serial, which brought it (the old one still listed beside it).
    const [, learned] = line(stdout, `platform certificates downloaded \\(unknown-serial\\): (.+)`);
    expect(learned!.split(', ')).toEqual(expect.arrayContaining([rotated, first]));
    line(stdout, `an answer signed by ${rotated} verified after one look-up, no restart`);
    expect(stderr).not.toContain('certificate refresh failed');
  },
  'demo.ts': (stdout) => {
    // The six call styles of the seed endpoint: one verified answer each, the codes de-duplicated across them.
    const seed = lines(stdout, `    200, signature verified \\(platform key (${SERIAL}|PUB_KEY_ID_\\d+)\\)  total_count=2 new=(.*) already=(.*)`);
    expect(seed.map((match) => [match[2], match[3]])).toEqual([
      ['["vCode_1","vCode_1234567890"]', '[]'],
      ...[2, 3, 4, 5, 6].map((n) => [`["vCode_${n}"]`, '["vCode_1234567890"]']),
    ]);
    line(stdout, '  ✓ create a JSAPI order +POST /v3/pay/transactions/jsapi');
    line(stdout, `    200, signature verified .*  SUCCESS 100 fen, transaction_id=${TRANSACTION_ID}`);
    line(stdout, '    200, signature verified .*  PROCESSING refund_id=\\d+');
    line(stdout, '    200, signature verified .*  SUCCESS 30/100 fen');
    line(stdout, '  ✓ refused: EV3_RES_HEADER_SIGNATURE_DIGEST');
    expect(lines(stdout, '  ✗ .*')).toEqual([]);
    const [, verified, total] = line(stdout, '✓ (\\d+) of (\\d+) answers verified');
    expect(Number(verified)).toBe(lines(stdout, '  ✓ .+ (GET|POST) /.*').length);
    expect(Number(verified)).toBeGreaterThanOrEqual(11);
    expect(total).toBe(verified);
  },
  'download-bill.ts': (stdout) => {
    const [, path, bytes] = line(stdout, `(.+tradebill-\\d{4}-\\d{2}-\\d{2}\\.csv): (\\d+) bytes, SHA1 [0-9a-f]{40} verified`);
    expect(readFileSync(path!).length).toBe(Number(bytes));
    // The two orders the example paid, read back from the file, and the summary.
    expect(lines(stdout, `${TRANSACTION_ID} SUCCESS (\\d+\\.\\d{2})`).map((match) => match[1]).sort()).toEqual(['1.00', '2.50']);
    line(stdout, '2 rows; summary: \\{');
    expect(stdout).toContain("'总交易单数': '2'");
    expect(stdout).toContain("'应结订单总金额': '3.50'");
  },
  'jsapi-order.ts': (stdout) => {
    const [, prepayId] = line(stdout, 'order JSAPI\\d+: prepay_id (wx\\w+)');
    expect(stdout).toContain("appId: 'wxd678efh567hg6787'");
    expect(stdout).toContain(`package: 'prepay_id=${prepayId}'`);
    expect(stdout).toContain("signType: 'RSA'");
    expect(stdout).toMatch(/timeStamp: '\d{10}'/);
    expect(stdout).toMatch(/nonceStr: '[0-9A-Za-z]{32}'/);
    expect(stdout).toMatch(new RegExp(`paySign: '${RSA_BASE64}'`));
  },
  'logging.ts': (stdout) => {
    // A line per hook: each request as it leaves (with its own trace id), each answer, the one error.
    const sent = lines(stdout, `> (GET|POST) (\\S+) X-Trace-Id=(${UUID})`);
    expect(sent.map((match) => `${match[1]} ${match[2]}`)).toEqual([
      'POST v3/pay/transactions/native', 'GET v3/pay/transactions/out-trade-no/{out_trade_no}', 'GET v3/pay/transactions/out-trade-no/{out_trade_no}',
    ]);
    expect(new Set(sent.map((match) => match[3])).size).toBe(3);
    const answered = lines(stdout, '< (GET|POST) (\\S+) -> (\\d+) request-id=(\\w+) \\d+\\.\\d ms');
    expect(answered.map((match) => `${match[1]} ${match[2]} ${match[3]}`)).toEqual([
      'POST v3/pay/transactions/native 200', 'GET v3/pay/transactions/out-trade-no/{out_trade_no} 200',
    ]);
    line(stdout, '! GET v3/pay/transactions/out-trade-no/\\{out_trade_no\\} failed: ORDER_NOT_EXIST 404 request-id=\\w+ \\d+\\.\\d ms');
  },
  'notify-express.ts': notifies('Express'),
  'notify-fastify.ts': notifies('Fastify'),
  'notify-hono.ts': notifies('Hono'),
  'notify-koa.ts': notifies('Koa'),
  'notify-node.ts': notifies('node:http'),
  'parse-notification.ts': (stdout) => {
    line(stdout, 'listening on http://127\\.0\\.0\\.1:\\d+/notify');
    // The sandbox's signed, encrypted notification, verified and decrypted by the handler.
    line(stdout, `TRANSACTION\\.SUCCESS ${UUID}: NOTIFY\\d+ SUCCESS 88 fen`);
    line(stdout, 'the handler answered the sandbox HTTP 204');
    line(stdout, 'refused: .*signature does not verify.*');
    line(stdout, 'a notification with a bad signature: HTTP 401');
  },
  'query-order.ts': (stdout) => {
    line(stdout, 'by out_trade_no: QUERY\\d+ SUCCESS 1 fen');
    line(stdout, `by transaction_id: ${TRANSACTION_ID} 支付成功`);
    line(stdout, 'closed CLOSE\\d+: HTTP 204, now CLOSED');
  },
  'refund.ts': (stdout) => {
    const [, refundNo] = line(stdout, 'refund (R\\d+): PROCESSING, 30 of 100 fen');
    line(stdout, `refund ${refundNo} now SUCCESS at \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00`);
  },
  'sensitive-fields.ts': (stdout) => {
    line(stdout, 'encrypted name: [A-Za-z0-9+/]{40}… \\(344 base64 characters\\)');
    line(stdout, `receiver added \\(HTTP 200\\); the request carried Wechatpay-Serial (${SERIAL}|PUB_KEY_ID_\\d+)`);
    line(stdout, 'decrypted for the merchant: 13800138000');
  },
  'upload-coupon-codes.ts': (stdout) => {
    // The six call styles, in order, each answered; the stock's codes de-duplicated across them.
    const answers = lines(stdout, '(.+?) +total_count=2 success=(.*) already=(.*)');
    expect(answers.map((match) => match.slice(1))).toEqual([
      ['chain + await', '["vCode_1","vCode_1234567890"]', '[]'],
      ['chain + then', '["vCode_2"]', '["vCode_1234567890"]'],
      ['chain() + await', '["vCode_3"]', '["vCode_1234567890"]'],
      ['chain() + then', '["vCode_4"]', '["vCode_1234567890"]'],
      ['bracket + await', '["vCode_5"]', '["vCode_1234567890"]'],
      ['bracket + then', '["vCode_6"]', '["vCode_1234567890"]'],
    ]);
  },
  'upload-image.ts': (stdout) => {
    const image = readFileSync(join(tmpdir(), 'wechatpay-chain-example.png'));
    const sha256 = createHash('sha256').update(image).digest('hex');
    line(stdout, `wechatpay-chain-example\\.png \\(${image.length} bytes, sha256 ${sha256}\\) -> media_id [\\w-]+`);
    line(stdout, `signed meta: \\{"filename":"wechatpay-chain-example\\.png","sha256":"${sha256}"\\}`);
  },
};

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'esm', 'index.js'))) throw new Error('dist is missing: run npm run build first (npm test does)');
});

describe('examples/', () => {
  it('has one file per common task, and the demo', () => {
    expect(examples).toEqual(expect.arrayContaining([
      'demo.ts', 'upload-coupon-codes.ts', 'jsapi-order.ts', 'query-order.ts', 'refund.ts', 'upload-image.ts', 'download-bill.ts', 'parse-notification.ts', 'sensitive-fields.ts',
    ]));
  });

  it('has what each example must print, for every example', () => {
    expect(Object.keys(shows).sort()).toEqual([...examples].sort());
  });

  it.each([...examples, 'support.ts'])('%s imports the package by its name, never lib/', (name) => {
    const source = readFileSync(join(root, 'examples', name), 'utf8');
    const specifiers = [...source.matchAll(/^import [^;]*? from '([^']+)';|import\('([^']+)'\)/gms)].map((match) => (match[1] ?? match[2])!);
    expect(specifiers.length).toBeGreaterThan(0);
    // The notify-*.ts examples mount the handler in the web frameworks they show (devDependencies here).
    for (const specifier of specifiers) expect(specifier).toMatch(/^(node:|wechatpay-chain(\/sandbox)?$|\.\/(support|notify-node)\.js$|(express|koa|koa-bodyparser|fastify|hono|@hono\/node-server)$)/);
  });

  it.each(examples)('%s runs against the sandbox, exits 0 and prints what it shows', async (name) => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join('examples', name)], { cwd: root, env, timeout: 60_000 });
    expect(stdout).toContain('sandbox');
    const show = shows[name];
    if (!show) throw new Error(`${name} has no expectations in spec/examples.slow.spec.ts`);
    show(stdout, stderr);
  }, 90_000);
});
