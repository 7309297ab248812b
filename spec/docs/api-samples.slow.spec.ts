/**
 * The call samples of the generated endpoint pages (docs/api/**), taken from the Markdown and run as written
 * against the embedded sandbox: every sample of every page is signed, checked by the sandbox (signature,
 * schema, the ciphertexts of `client.encrypt(...)` against the `Wechatpay-Serial` the SDK adds), answered
 * signed, and its answer verified by the client. A sample must resolve: a 2xx answer (the documented 302 of an
 * entry page, which its sample accepts), of the documented kind.
 *
 * What a page cannot hold is given, as a reader has it: `client` (Builder.factory(sandbox.config)), `media`
 * for an upload (built as the comment above the call says), and the state a reading endpoint reads (the
 * order a query names is created first; the ids the platform assigns itself, a transaction id, a media id, a
 * bill token, replace the documented ones in the sample, field by field, and are counted).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { MediaUtil } from '../../lib/index.js';
import { loadData, type SandboxEndpoint } from '../../lib/sandbox/data.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { handMadeMultipart, inBatches, PNG, reason } from '../integration/support.js';
import { withSandbox } from '../support/sandbox.js';

const root = join(__dirname, '..', '..');
const pagesDir = join(root, 'docs', 'api');
const data = loadData();
const endpointOf = new Map(data.endpoints.map((e) => [`${e.method} ${e.template}`, e]));

let sandbox: Sandbox;
let client: any;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});

interface Block {
  label: string;
  code: string;
}

interface Section {
  sink?: Block;
  page: string;
  route: string;
  blocks: Block[];
}

function pages(dir = pagesDir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...pages(path));
    else if (entry.name.endsWith('.md') && dir !== pagesDir) out.push(path);
  }
  return out.sort();
}

/** A page's sections (one per verb, from its `<a id="verb">` heading) and their ```ts [style] blocks. */
function sectionsOf(path: string): Section[] {
  const text = readFileSync(path, 'utf8');
  const page = relative(root, path);
  const out: Section[] = [];
  for (const part of text.split(/^#{1,2} <a id="(?=\w+"><\/a>)/m).slice(1)) {
    const all = [...part.matchAll(/^```ts \[([^\]]+)\]\n([\s\S]*?)\n```$/gm)].map(([, label, code]) => ({ label: label!, code: code! }));
    // Download endpoints add a seventh sample, with `sink` (wechatpay-php's Guzzle option): checked on its own.
    const blocks = all.filter((b) => b.label !== 'sink');
    const sink = all.find((b) => b.label === 'sink');
    const named = /client\.chain\('([^']+)'\)\.(get|post|put|patch|delete)\(/.exec(blocks.find((b) => b.label === 'chain(), await')?.code ?? '');
    out.push({ page, route: named ? `${named[2]} ${named[1]}` : `? ${page}`, blocks, ...(sink ? { sink } : {}) });
  }
  return out;
}

/** The options of a sample, as written (the same in every style of a section). */
function argsOf(code: string): string | undefined {
  const lines = code.split('\n').filter((l) => !l.startsWith('//')).join('\n');
  return /\.(?:get|post|put|patch|delete)(?:Async)?\(([\s\S]*)\)(?:;\nconsole\.log\(data\);|\n\.then\(\(\{ data \}\) => \{\n {2}console\.log\(data\);\n\}\);)$/.exec(lines)?.[1];
}

/** Runs a sample: its code in a function of `client`, `media` and a `console` that keeps what is logged. */
async function runSample(code: string, media: unknown): Promise<unknown[]> {
  const logged: unknown[] = [];
  const body = /\.then\(/.test(code) && !code.includes('await ') ? `return ${code.replace(/^(\/\/.*\n)*/, '')}` : code;
  // The only TypeScript a sample holds: the type of a redirect status check.
  const js = body.replace(/\(status: number\) =>/g, '(status) =>');
  const run = new Function('client', 'media', 'console', `return (async () => {\n${js}\n})();`) as (c: unknown, m: unknown, l: unknown) => Promise<unknown>;
  await run(client, media, { log: (...args: unknown[]) => logged.push(...args) });
  return logged;
}

/** `media` for an upload: a MediaUtil where one writes the parts the endpoint wants, else a multipart made by hand. */
function mediaFor(e: SandboxEndpoint | undefined): unknown {
  const spec = e?.example.request.multipart;
  if (!spec) return undefined;
  const extra = Object.fromEntries(Object.entries(spec.meta).filter(([k]) => k !== 'filename' && k !== 'sha256'));
  // APIv2's upload takes a MediaUtil too: the SDK signs its MD5 as media_hash.
  if (e?.template === 'v2/secapi/mch/uploadmedia') return new MediaUtil('sandbox.png', PNG);
  if (spec.file === 'file' && !spec.fields && (!spec.digest || spec.digest.field === 'sha256')) {
    const media = new MediaUtil('sandbox.png', PNG);
    return Object.keys(extra).length ? media.setMeta(extra) : media;
  }
  return handMadeMultipart(spec);
}

/** Replaces the value of `field: '...'` in a sample (an id the platform assigns itself). */
function withValue(code: string, field: string, value: string): string {
  const pattern = new RegExp(`(\\b${field}: )'[^']*'`, 'g');
  if (!pattern.test(code)) throw new Error(`the sample has no ${field}`);
  return code.replace(pattern, `$1'${value}'`);
}

type Prepare = () => Promise<Record<string, string>>;

const SUB_MERCHANT = '1900000109';
const DOCUMENTED_ORDER = '1217752501201407033233368018';

async function order(partner: boolean, outTradeNo: string, total = 100, pay = false): Promise<string | undefined> {
  const template = partner ? 'v3/pay/partner/transactions/native' : 'v3/pay/transactions/native';
  const json: Record<string, unknown> = { ...(endpointOf.get(`post ${template}`)!.example.request.json as Record<string, unknown>), out_trade_no: outTradeNo, amount: { total, currency: 'CNY' } };
  // The documented time_expire is long past: such an order would be closed at once.
  delete json['time_expire'];
  await client.chain(template).post({ json });
  if (!pay) return undefined;
  const { transaction } = await sandbox.pay(outTradeNo, partner ? { sub_mchid: SUB_MERCHANT } : {});
  return String(transaction['transaction_id']);
}

/** What a reading endpoint reads, made first; resolves the fields whose documented value is replaced by the sandbox's. */
const PREPARE: Record<string, Prepare> = {};
for (const partner of [false, true]) {
  const base = partner ? 'v3/pay/partner/transactions' : 'v3/pay/transactions';
  for (const kind of ['jsapi', 'native', 'h5', 'app']) PREPARE[`post ${base}/${kind}`] = async () => ({});
  PREPARE[`get ${base}/out-trade-no/{out_trade_no}`] = async () => (await order(partner, DOCUMENTED_ORDER), {});
  PREPARE[`post ${base}/out-trade-no/{out_trade_no}/close`] = async () => (await order(partner, DOCUMENTED_ORDER), {});
  PREPARE[`get ${base}/id/{transaction_id}`] = async () => ({ transaction_id: (await order(partner, DOCUMENTED_ORDER, 100, true))! });
}
PREPARE['post v3/refund/domestic/refunds'] = async () => ({ transaction_id: (await order(true, DOCUMENTED_ORDER, 888, true))! });
PREPARE['get v3/refund/domestic/refunds/{out_refund_no}'] = async () => {
  await order(true, DOCUMENTED_ORDER, 100, true);
  const outRefundNo = endpointOf.get('get v3/refund/domestic/refunds/{out_refund_no}')!.example.request.vars!['out_refund_no'];
  await client.v3.refund.domestic.refunds.post({ json: { sub_mchid: SUB_MERCHANT, out_trade_no: DOCUMENTED_ORDER, out_refund_no: outRefundNo, amount: { refund: 40, total: 100, currency: 'CNY' } } });
  return {};
};
PREPARE['get v3/billdownload/file'] = async () => {
  const { data: answer } = await client.v3.bill.tradebill.get({ query: { bill_date: '2025-01-01' } });
  const params = new URL(answer.download_url).searchParams;
  if ([...params.keys()].some((k) => k !== 'token')) throw new Error(`the download_url has more than a token: ${answer.download_url}`);
  return { token: params.get('token')! };
};
for (const template of ['v3/merchant-service/images/{media_id}', 'v3/global/merchant-service/images/{media_id}']) {
  PREPARE[`get ${template}`] = async () => {
    const upload = template.replace('{media_id}', 'upload');
    const { data: answer } = await client.chain(upload).post({ multipart: mediaFor(endpointOf.get(`post ${upload}`)) });
    return { media_id: answer.media_id };
  };
}

// Combined orders: the samples name merchant 1900000109; the sandbox's merchant is the caller's.
const COMBINE = 'v3/combine-transactions';
async function combined(combineOutTradeNo: string, pay = false): Promise<string | undefined> {
  const mchid = sandbox.config.mchid;
  await client.chain(`${COMBINE}/app`).post({ json: {
    combine_appid: 'wxd678efh567hg6787', combine_mchid: mchid, combine_out_trade_no: combineOutTradeNo, notify_url: 'https://yourapp.com/notify',
    sub_orders: [{ mchid, sub_mchid: SUB_MERCHANT, out_trade_no: '20150806125346', attach: '深圳分店', description: 'd', amount: { total_amount: 100, currency: 'CNY' } }],
  } });
  return pay ? String((await sandbox.payCombine(combineOutTradeNo)).combine['combine_transaction_id']) : undefined;
}
for (const kind of ['jsapi', 'app', 'h5', 'native', 'miniprogram']) PREPARE[`post ${COMBINE}/${kind}`] = async () => ({ combine_mchid: sandbox.config.mchid, mchid: sandbox.config.mchid });
PREPARE[`get ${COMBINE}/out-trade-no/{combine_out_trade_no}`] = async () => (await combined('P20150806125346'), {});
PREPARE[`get ${COMBINE}/id/{combine_transaction_id}`] = async () => ({ combine_transaction_id: (await combined('P20150806125346', true))! });
PREPARE[`post ${COMBINE}/out-trade-no/{combine_out_trade_no}/close`] = async () => (await combined('sandbox-combine_out_trade_no'), { mchid: sandbox.config.mchid });

// Transfer bills: the documented request reports one item of the two its scene (1000) requires; scene 1002 takes it.
const TRANSFER = 'v3/fund-app/mch-transfer/transfer-bills';
async function transferBill(): Promise<string> {
  const json = { ...(endpointOf.get(`post ${TRANSFER}`)!.example.request.json as Record<string, unknown>), transfer_scene_id: '1002' };
  return String((await client.chain(TRANSFER).post({ json })).data.transfer_bill_no);
}
PREPARE[`post ${TRANSFER}`] = async () => ({ transfer_scene_id: '1002' });
PREPARE[`get ${TRANSFER}/out-bill-no/{out_bill_no}`] = async () => (await transferBill(), {});
PREPARE[`post ${TRANSFER}/out-bill-no/{out_bill_no}/cancel`] = async () => (await transferBill(), {});
PREPARE[`get ${TRANSFER}/transfer-bill-no/{transfer_bill_no}`] = async () => ({ transfer_bill_no: await transferBill() });

// Profit sharing: the documented sub-merchant's order paid for sharing, the documented receiver added.
const SHARING = 'v3/profitsharing';
async function sharingOrder(): Promise<string> {
  const template = 'v3/pay/partner/transactions/native';
  const json: Record<string, unknown> = {
    ...(endpointOf.get(`post ${template}`)!.example.request.json as Record<string, unknown>), out_trade_no: 'PS20150806125346', sub_mchid: SUB_MERCHANT,
    amount: { total: 10000, currency: 'CNY' }, settle_info: { profit_sharing: true },
  };
  delete json['time_expire'];
  await client.chain(template).post({ json });
  const transactionId = String((await sandbox.pay('PS20150806125346', { sub_mchid: SUB_MERCHANT })).transaction['transaction_id']);
  await client.chain(`${SHARING}/receivers/add`).post({ json: endpointOf.get(`post ${SHARING}/receivers/add`)!.example.request.json });
  return transactionId;
}
async function shared(outOrderNo: string): Promise<{ transactionId: string; orderId: string }> {
  const transactionId = await sharingOrder();
  const json = { ...(endpointOf.get(`post ${SHARING}/orders`)!.example.request.json as Record<string, unknown>), transaction_id: transactionId, out_order_no: outOrderNo };
  return { transactionId, orderId: String((await client.chain(`${SHARING}/orders`).post({ json })).data.order_id) };
}
PREPARE[`post ${SHARING}/orders`] = async () => ({ transaction_id: await sharingOrder() });
PREPARE[`post ${SHARING}/orders/unfreeze`] = async () => ({ transaction_id: await sharingOrder() });
PREPARE[`get ${SHARING}/transactions/{transaction_id}/amounts`] = async () => ({ transaction_id: await sharingOrder() });
PREPARE[`get ${SHARING}/orders/{out_order_no}`] = async () => ({ transaction_id: (await shared('P20150806125346')).transactionId });
PREPARE[`post ${SHARING}/return-orders`] = async () => ({ order_id: (await shared('P20150806125346')).orderId });
PREPARE[`get ${SHARING}/return-orders/{out_return_no}`] = async () => {
  await shared('P20190806125346');
  const json: Record<string, unknown> = { ...(endpointOf.get(`post ${SHARING}/return-orders`)!.example.request.json as Record<string, unknown>), out_order_no: 'P20190806125346' };
  delete json['order_id'];
  await client.chain(`${SHARING}/return-orders`).post({ json });
  return {};
};

/** Samples that do not resolve, each with the reason; the spec fails when one starts to (the list is then out of date). */
const EXCEPTIONS: Record<string, RegExp> = {
  // Its description documents no field at all; an APIv2 payload naming no merchant is refused, as wechatpay-php does.
  'post v2/applyment/micro/signcontract': /EREQUEST_OPTIONS: The APIv2 payload names no merchant/,
};

/** Why a sample's logged `data` is not the endpoint's documented kind of answer (undefined: it is). */
function wrongAnswer(e: SandboxEndpoint, logged: unknown[]): string | undefined {
  if (logged.length !== 1) return `logged ${logged.length} values`;
  const [value] = logged as [unknown];
  switch (e.response.kind) {
    case 'json':
      return typeof value === 'object' && value !== null ? undefined : `data is ${typeof value}, not JSON`;
    case 'xml':
      // One XML-documented download answers the CSV on success, as the platform does.
      return (value as Record<string, unknown>)?.['return_code'] === 'SUCCESS' || typeof value === 'string' ? undefined : 'no return_code SUCCESS';
    case 'empty':
      return value === undefined || value === '' ? undefined : 'a body where none is documented';
    case 'binary':
      return Buffer.isBuffer(value) && value.length > 0 ? undefined : 'not a file';
    default:
      return (typeof value === 'string' || Buffer.isBuffer(value)) && value.length > 0 ? undefined : 'not text';
  }
}

describe('the endpoint pages (docs/api)', () => {
  const sections = pages().flatMap(sectionsOf);

  it('have one section per endpoint, each with six samples of the same call', () => {
    expect(sections.map((s) => s.route).sort()).toEqual(data.endpoints.map((e) => `${e.method} ${e.template}`).sort());
    const uneven = sections.filter((s) => {
      const args = new Set(s.blocks.map((b) => argsOf(b.code)));
      const styles = endpointOf.get(s.route)!.template.split('/').some((seg) => /[A-Z]/.test(seg)) ? 4 : 6;
      return s.blocks.length !== styles || args.size !== 1 || args.has(undefined);
    });
    expect(uneven.map((s) => `${s.page} ${s.route}: ${s.blocks.map((b) => b.label).join(', ')}`)).toEqual([]);
  });

  it('run as written against the sandbox: every sample resolves with a verified answer', async () => {
    const started = Date.now();
    const outcome = new Map<string, string | undefined>();
    let samples = 0;
    let substituted = 0;
    const runSection = async (section: Section): Promise<void> => {
      const e = endpointOf.get(section.route)!;
      const prepare = PREPARE[section.route];
      try {
        for (const block of section.blocks) {
          // Each style is the same call made instead, not after: a create made again with fresh ciphertexts
          // (OAEP is randomised) is another body under the same out_trade_no, which the platform refuses.
          if (prepare) sandbox.reset();
          const values = await prepare?.();
          let code = block.code;
          for (const [field, value] of Object.entries(values ?? {})) {
            code = withValue(code, field, value);
            substituted += 1;
          }
          samples += 1;
          const why = wrongAnswer(e, await runSample(code, mediaFor(e)));
          if (why) throw new Error(`${block.label}: ${why}`);
        }
        if (section.sink) {
          if (prepare) sandbox.reset();
          let code = section.sink.code;
          for (const [field, value] of Object.entries((await prepare?.()) ?? {})) code = withValue(code, field, value);
          samples += 1;
          // The sample saves to './somehowfile...' beside the process: here, in a folder of its own.
          const folder = mkdtempSync(join(tmpdir(), 'wechatpay-sink-sample-'));
          try {
            const logged = await runSample(code.replace(/'\.\/(somehowfile[^']*)'/, (_m, name: string) => `'${join(folder, name)}'`), mediaFor(e));
            const path = logged[0];
            if (typeof path !== 'string' || !isAbsolute(path) || !path.startsWith(folder) || statSync(path).size === 0) {
              throw new Error(`sink: data is not the path of a saved file (${String(path)})`);
            }
          } finally {
            rmSync(folder, { recursive: true, force: true });
          }
        }
        outcome.set(section.route, undefined);
      } catch (error) {
        outcome.set(section.route, reason(error));
      }
    };
    // Sections that read or make orders and refunds run one at a time, each sample on a sandbox with nothing in it.
    await inBatches(sections.filter((s) => !PREPARE[s.route]), 16, runSection);
    for (const section of sections.filter((s) => PREPARE[s.route])) await runSection(section);

    const failed = [...outcome].filter(([, why]) => why !== undefined) as Array<[string, string]>;
    console.log([
      `${outcome.size - failed.length} of ${sections.length} endpoint sections (${pages().length} pages) resolve: ` +
        `${samples} samples run as written, ${substituted} platform-assigned ids put in, in ${Date.now() - started} ms`,
      ...failed.map(([route, why]) => `  ${route}: ${why}`),
    ].join('\n'));
    const unexpected = failed.filter(([route, why]) => !EXCEPTIONS[route]?.test(why)).map(([route, why]) => `${route}: ${why}`);
    const outdated = Object.keys(EXCEPTIONS).filter((route) => outcome.get(route) === undefined);
    expect(unexpected).toEqual([]);
    expect(outdated).toEqual([]);
    expect(outcome.size).toBe(data.endpoints.length);
  }, 300_000);
});
