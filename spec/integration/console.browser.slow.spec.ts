/**
 * The console in a real browser (Debian's chromium through playwright-core; .ci/install-chromium installs
 * it): the SDK creates a Native order; the console shows it with its QR code; the payer page (opened from
 * the link beside the code) confirms it; the SDK's notification receiver gets the payment notification
 * and verifies it (Notification.parse), and the console marks it delivered; a forged request shows up
 * in the log with the check it failed and the string the sandbox expected. The console and the payer page
 * work under their strict Content-Security-Policy (no violation reported), and an uploaded SVG or HTML
 * page with a script runs nothing when opened from its sandbox address. A screenshot of each step is
 * saved under spec/artifacts/console/ (not committed).
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Builder } from '../../lib/core/builder.js';
import { Notification, type NotificationEnvelope } from '../../lib/helpers/notification.js';
import { MediaUtil } from '../../lib/util/media.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts', 'console');

let sandbox: Sandbox;
let client: any;
let receiver: Server;
let notifyUrl = '';
const received: Array<NotificationEnvelope | Error> = [];
let context: BrowserContext;
let profile: string;
const started = Date.now();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/install-chromium (or set CHROMIUM_PATH)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startSandbox({ timeScale: 0.001 });
  client = Builder.factory(sandbox.config);
  // The merchant's receiver, with the SDK: verify the signature, decrypt the resource, answer 204.
  const parser = Notification.create({ certs: sandbox.config.certs, apiv3Key: sandbox.config.apiv3Key });
  receiver = createServer((req, res) => {
    void Notification.fromNodeRequest(req).then((incoming) => {
      let reply = Notification.success();
      try {
        received.push(parser.parse(incoming));
      } catch (error) {
        received.push(error as Error);
        reply = Notification.failure((error as Error).message, 401);
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  profile = mkdtempSync(join(tmpdir(), 'wechatpay-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await sandbox?.close();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  if (profile) rmSync(profile, { recursive: true, force: true });
  console.log(`console browser spec: ${Date.now() - started} ms, screenshots in ${ARTIFACTS}`);
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });

/** A request signed with a key that is not the merchant's, sent as it is. */
function forged(body: string): Promise<number> {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const target = '/v3/pay/transactions/native';
  const timestamp = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(16).toString('hex');
  const signature = sign('sha256', Buffer.from(`POST\n${target}\n${timestamp}\n${nonce}\n${body}\n`), stranger).toString('base64');
  const { hostname, port } = new URL(sandbox.baseURL);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname, port, path: target, method: 'POST', headers: {
        'Content-Type': 'application/json', Accept: 'application/json',
        Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${sandbox.config.mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${sandbox.config.serial}"`,
      },
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the sandbox console in a browser', () => {
  it('shows a Native order with its QR code; the payer pays; the merchant verifies the notification; a forged request shows its failed check', async () => {
    const outTradeNo = `BR${Date.now()}`;
    const { data } = await client.v3.pay.transactions.native.post({ json: {
      appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'Sandbox coffee', out_trade_no: outTradeNo,
      notify_url: notifyUrl, amount: { total: 1288, currency: 'CNY' },
    } });
    expect(data.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(sandbox.baseURL);
    await page.locator('#live.on').waitFor();
    // The request log: the SDK's call, its signature accepted.
    const row = page.locator('#requests tbody tr', { hasText: '/v3/pay/transactions/native' });
    await row.first().waitFor();
    await expect(row.first().innerText()).resolves.toMatch(/200[\s\S]*signature ok/);
    await row.first().click();
    await page.locator('#request-detail', { hasText: outTradeNo }).waitFor();
    await shot(page, '01-requests');

    // The order, NOTPAY, with the QR code of its code_url.
    await page.getByRole('tab', { name: /Orders/ }).click();
    const order = page.locator(`#orders tr[data-order="${outTradeNo}"]`);
    await order.waitFor();
    await expect(order.innerText()).resolves.toMatch(/NOTPAY[\s\S]*¥12\.88|¥12\.88[\s\S]*NOTPAY/);
    const qr = order.locator('.qr img');
    await qr.waitFor();
    expect(await qr.evaluate((img: any) => img.complete && img.naturalWidth)).toBeGreaterThan(50);
    expect(await qr.getAttribute('src')).toContain(encodeURIComponent(data.code_url));
    await shot(page, '02-orders');

    // The payer page, opened from the link beside the code.
    const [payer] = await Promise.all([context.waitForEvent('page'), order.locator('a.payer-link').click()]);
    await payer.waitForLoadState();
    await payer.locator('#confirm').waitFor();
    await expect(payer.locator('.amount').innerText()).resolves.toMatch(/12\.88/);
    await shot(payer, '03-payer');
    await payer.locator('#confirm').click();
    await payer.locator('#result', { hasText: 'Payment successful' }).waitFor();
    await shot(payer, '04-paid');

    // The merchant's receiver verified and decrypted TRANSACTION.SUCCESS.
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(1);
    const envelope = received[0] as NotificationEnvelope;
    expect(envelope).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: outTradeNo, trade_state: 'SUCCESS', amount: { total: 1288 } } });

    // The console: the order SUCCESS, the notification delivered (one attempt, 204).
    await page.bringToFront();
    await page.locator(`#orders tr[data-order="${outTradeNo}"]`, { hasText: 'SUCCESS' }).waitFor();
    await page.getByRole('tab', { name: /Notifications/ }).click();
    const delivery = page.locator('#notifications article[data-state="delivered"]', { hasText: `order ${outTradeNo}` });
    await delivery.waitFor();
    await expect(delivery.innerText()).resolves.toMatch(/TRANSACTION\.SUCCESS[\s\S]*204/);
    await shot(page, '05-notifications');

    // A forged request: refused 401, and the log says why.
    expect(await forged(JSON.stringify({ appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'forged', out_trade_no: 'FORGED1', notify_url: notifyUrl, amount: { total: 1 } }))).toBe(401);
    await page.getByRole('tab', { name: /Requests/ }).click();
    const refused = page.locator('#requests tbody tr', { hasText: 'bad signature' });
    await refused.first().waitFor();
    await refused.first().click();
    const detail = page.locator('#request-detail');
    await detail.locator('.verdict.bad').waitFor();
    await expect(detail.innerText()).resolves.toMatch(/Refused: bad signature[\s\S]*does not verify with the merchant certificate/);
    await expect(detail.locator('pre.expected').innerText()).resolves.toMatch(/^POST\\n\n\/v3\/pay\/transactions\/native\\n\n\d+\\n\n[0-9a-f]{32}\\n\n\{"appid"/);
    await shot(page, '06-forged');
    expect(sandbox.order('FORGED1')).toBeUndefined();
    expect(errors).toEqual([]);
  }, 120_000);

  it('settles a refund as a failure, closes an order, injects a fault and offers sandbox.json, all from the console', async () => {
    const page = await context.newPage();
    await page.goto(`${sandbox.baseURL}#refunds`);
    await page.locator('#live.on').waitFor();
    await page.selectOption('#refund-mode', 'manual');
    for (let i = 0; i < 100 && sandbox.settings.refunds !== 'manual'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sandbox.settings.refunds).toBe('manual');

    const mchid = sandbox.config.mchid;
    const create = (no: string) => client.v3.pay.transactions.native.post({ json: {
      appid: 'wxd678efh567hg6787', mchid, description: '退款测试', out_trade_no: no, notify_url: notifyUrl, amount: { total: 500, currency: 'CNY' },
    } });
    await create('BRF1');
    await sandbox.pay('BRF1');
    const { data: refund } = await client.v3.refund.domestic.refunds.post({ json: {
      out_trade_no: 'BRF1', out_refund_no: 'BRR1', notify_url: notifyUrl, amount: { refund: 200, total: 500, currency: 'CNY' },
    } });
    expect(refund.status).toBe('PROCESSING');
    const row = page.locator('#refunds tr[data-refund="BRR1"]');
    await row.locator('text=PROCESSING').waitFor();
    await shot(page, '07-refund-processing');
    received.length = 0;
    await row.getByRole('button', { name: 'Fails' }).click();
    await row.locator('text=ABNORMAL').waitFor();
    const { data: queried } = await client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'BRR1' });
    expect(queried.status).toBe('ABNORMAL');
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(received[0]).toMatchObject({ event_type: 'REFUND.ABNORMAL', resource: { out_refund_no: 'BRR1', refund_status: 'ABNORMAL' } });
    // The failed refund gave its amount back: the order is paid, nothing refunded.
    expect(sandbox.order('BRF1')).toMatchObject({ trade_state: 'SUCCESS' });

    await create('BRC1');
    await page.getByRole('tab', { name: /Orders/ }).click();
    const order = page.locator('#orders tr[data-order="BRC1"]');
    await order.getByRole('button', { name: 'Close' }).click();
    await order.locator('text=CLOSED').waitFor();
    const { data: closed } = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'BRC1', query: { mchid } });
    expect(closed.trade_state).toBe('CLOSED');

    await page.getByRole('tab', { name: /Faults/ }).click();
    await page.selectOption('#fault-form select[name="fault"]', 'bad-signature');
    await page.fill('#fault-form input[name="match"]', '/v3/certificates');
    await page.getByRole('button', { name: 'Add fault' }).click();
    await page.locator('#faults tbody tr', { hasText: 'bad-signature' }).waitFor();
    await shot(page, '08-faults');
    await expect(client.v3.certificates.get()).rejects.toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    await page.locator('#faults-empty').waitFor();

    await page.getByRole('tab', { name: /Identity/ }).click();
    const href = await page.locator('#downloads a', { hasText: /^sandbox\.json$/ }).getAttribute('href');
    expect(await (await fetch(new URL(href!, sandbox.baseURL))).json()).toEqual(sandbox.config);
    const inline = await (await fetch(new URL(`${href!.replace('sandbox.json', 'sandbox.inline.json')}`, sandbox.baseURL))).json() as any;
    expect(inline.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(Builder.factory(inline)).toBeDefined();
    await shot(page, '09-identity');
  }, 60_000);

  it('shows transfer bills: the payee confirms one and declines another; the clock moves on and the confirmed one succeeds', async () => {
    const page = await context.newPage();
    await page.goto(`${sandbox.baseURL}#transfers`);
    await page.locator('#live.on').waitFor();
    const bill = (no: string) => client.v3.fundApp.mchTransfer.transferBills.post({ json: {
      appid: 'wxf636efh567hg4356', out_bill_no: no, transfer_scene_id: '1000', openid: 'o-MYE42l80oelYMDE34nYD456Xoy', transfer_amount: 400,
      transfer_remark: '新会员有礼', notify_url: notifyUrl,
      transfer_scene_report_infos: [{ info_type: '活动名称', info_content: '新会员有礼' }, { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' }],
    } });
    await bill('BT1');
    await bill('BT2');
    const first = page.locator('#transfers tr[data-transfer="BT1"]');
    const second = page.locator('#transfers tr[data-transfer="BT2"]');
    await first.locator('text=WAIT_USER_CONFIRM').waitFor();
    await shot(page, '10-transfers');
    received.length = 0;
    await first.getByRole('button', { name: 'Confirm' }).click();
    await first.locator('text=TRANSFERING').waitFor();
    await second.getByRole('button', { name: 'Decline' }).click();
    await second.locator('text=OTHER_FAIL_REASON_TYPE').waitFor();
    expect(await page.locator('#clock-now').textContent()).toContain('(real time)');
    await page.getByRole('button', { name: '+1 min' }).click();
    await first.locator('text=SUCCESS').waitFor();
    await page.locator('#clock-now', { hasText: '(+1 min)' }).waitFor();
    await shot(page, '11-transfers-done');
    for (let i = 0; i < 200 && received.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(received.map((r) => (r instanceof Error ? r.message : [r.event_type, (r.resource as any).out_bill_no, (r.resource as any).state])).sort())
      .toEqual([['MCHTRANSFER.BILL.FINISHED', 'BT1', 'SUCCESS'], ['MCHTRANSFER.BILL.FINISHED', 'BT2', 'FAIL']]);
    expect((await client.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.get({ out_bill_no: 'BT1' })).data.state).toBe('SUCCESS');

    // The payee's page, opened from the console: confirm receipt.
    await bill('BT3');
    const third = page.locator('#transfers tr[data-transfer="BT3"]');
    const [payee] = await Promise.all([page.context().waitForEvent('page'), third.getByRole('link', { name: 'Open the payee page' }).click()]);
    await payee.locator('#confirm').waitFor();
    expect(await payee.locator('.amount').textContent()).toContain('4.00');
    await shot(payee, '12-payee-page');
    await payee.locator('#confirm').click();
    await payee.locator('#result', { hasText: 'Receipt confirmed' }).waitFor();
    await third.locator('text=TRANSFERING').waitFor();
    await payee.close();
  }, 60_000);

  it('keeps the console and the payer page under a strict policy, and runs nothing of an uploaded SVG or HTML page', async () => {
    for (const path of ['', '__sandbox/payer?out_trade_no=X']) {
      const policy = (await fetch(`${sandbox.baseURL}${path}`)).headers.get('content-security-policy') ?? '';
      expect(policy).toMatch(/(^|; )default-src 'none'(;|$)/);
      expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
    const violations: string[] = [];
    const watch = (page: Page) => {
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
      });
      return page;
    };
    const page = watch(await context.newPage());
    await page.goto(sandbox.baseURL);
    await page.locator('#live.on').waitFor();
    for (const tab of [/Orders/, /Refunds/, /Notifications/, /Faults/, /Identity/, /Requests/]) await page.getByRole('tab', { name: tab }).click();
    const payer = watch(await context.newPage());
    await payer.goto(`${sandbox.baseURL}__sandbox/payer?out_trade_no=BRF1`);
    await payer.waitForLoadState('networkidle');

    // A script at the sandbox origin can drive the control API (the console does): this one would add a fault.
    const injecting = (marker: string) => `fetch('/__sandbox/faults',{method:'POST',body:JSON.stringify({fault:'drop',match:'/${marker}'})})`;
    await page.evaluate(injecting('control'));
    for (let i = 0; i < 100 && sandbox.faults.pending.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sandbox.faults.pending.map((f) => f.match)).toEqual(['/control']);
    sandbox.faults.clear();

    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>${injecting('svg')}</script></svg>`);
    const html = Buffer.from(`<!doctype html><title>x</title><script>${injecting('html')}</script><img src=x onerror="${injecting('onerror')}">`);
    const { data: image } = await client.v3.marketing.favor.media.imageUpload.post({ multipart: new MediaUtil('x.svg', svg, { contentType: 'image/svg+xml' }) });
    const { data: page2 } = await client.v3.merchant.media.upload.post({ multipart: new MediaUtil('x.html', html, { contentType: 'text/html' }) });
    const opened = watch(await context.newPage());
    for (const url of [image.media_url, `${sandbox.baseURL}__sandbox/media/${encodeURIComponent(page2.media_id)}`]) {
      // An attachment: the navigation turns into a download.
      await opened.goto(url).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sandbox.faults.pending).toEqual([]);
    expect(violations).toEqual([]);
  }, 60_000);
});
