/**
 * The sandbox checks what clients send with its own code, not the client's: an APIv2 request signed by hand
 * (node:crypto only) over wrongly ordered fields is refused, the same fields in byte order are accepted;
 * so a client whose `Formatter.ksort` were reversed would fail here and in every APIv2 call of the
 * all-endpoints spec. The sandbox's source imports nothing of the client that could shape both sides.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
}, 30_000);
afterAll(() => sandbox.close());

type Order = 'byte' | 'reversed' | 'as-given';

/** The APIv2 sign, by hand: `k=v&...&key=SECRET` in the given order, MD5 or HMAC-SHA256, upper-case hex. */
function sign(fields: Record<string, string>, secret: string, type: 'MD5' | 'HMAC-SHA256', order: Order): string {
  const names = Object.keys(fields).filter((name) => name !== 'sign' && fields[name] !== '');
  if (order === 'byte') names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (order === 'reversed') names.sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a)));
  const text = `${names.map((name) => `${name}=${fields[name]}`).join('&')}&key=${secret}`;
  return (type === 'MD5' ? createHash('md5').update(text) : createHmac('sha256', secret).update(text)).digest('hex').toUpperCase();
}

const xml = (fields: Record<string, string>) => `<xml>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</xml>`;

async function closeOrder(order: Order, type: 'MD5' | 'HMAC-SHA256' = 'MD5', extra: Record<string, string> = {}) {
  const fields: Record<string, string> = {
    appid: 'wxd678efh567hg6787', mch_id: sandbox.config.mchid, out_trade_no: `T${randomBytes(4).toString('hex')}`,
    nonce_str: randomBytes(16).toString('hex'), ...(type === 'MD5' ? {} : { sign_type: type }), ...extra,
  };
  fields['sign'] = sign(fields, sandbox.config.secret, type, order);
  const response = await fetch(`${sandbox.baseURL}pay/closeorder`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: xml(fields) });
  const answer = new XMLParser({ parseTagValue: false }).parse(await response.text()).xml as Record<string, string>;
  return { status: response.status, answer, record: sandbox.requests.at(-1)! };
}

describe('APIv2 signatures are checked with the sandbox’s own code', () => {
  it.each(['MD5', 'HMAC-SHA256'] as const)('%s: fields signed in byte order are accepted', async (type) => {
    const { status, answer, record } = await closeOrder('byte', type);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(record.check).toEqual({ api: 'v2', ok: true });
  });

  it.each(['MD5', 'HMAC-SHA256'] as const)('%s: the same fields signed in reversed order (a broken ksort) are refused, and the log says why', async (type) => {
    const { status, answer, record } = await closeOrder('reversed', type);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ return_code: 'FAIL', return_msg: expect.stringMatching(/签名错误/) });
    expect(record.code).toBe('FAIL');
    expect(record.check).toMatchObject({ api: 'v2', ok: false, rule: 'sign' });
    // The string the sandbox expected, in byte order, the secret never shown.
    expect(record.check!.expected).toMatch(/^appid=wxd678efh567hg6787&mch_id=\d+&nonce_str=\w+&out_trade_no=T\w+(&sign_type=HMAC-SHA256)?&key=<APIv2 secret>$/);
    expect(JSON.stringify(record)).not.toContain(sandbox.config.secret);
  });

  it('an empty field is left out of the signed string (signing it is refused)', async () => {
    const fields = { device_info: '' };
    expect((await closeOrder('byte', 'MD5', fields)).answer.return_code).toBe('SUCCESS');
    const signedEmpty = async () => {
      const all: Record<string, string> = { appid: 'wx1', mch_id: sandbox.config.mchid, device_info: '', out_trade_no: 'E1', nonce_str: 'n1' };
      const text = `appid=wx1&device_info=&mch_id=${sandbox.config.mchid}&nonce_str=n1&out_trade_no=E1&key=${sandbox.config.secret}`;
      all['sign'] = createHash('md5').update(text).digest('hex').toUpperCase();
      const response = await fetch(`${sandbox.baseURL}pay/closeorder`, { method: 'POST', body: xml(all) });
      return new XMLParser().parse(await response.text()).xml.return_code;
    };
    expect(await signedEmpty()).toBe('FAIL');
  });

  it('refuses a DOCTYPE or an entity declaration before parsing', async () => {
    const response = await fetch(`${sandbox.baseURL}pay/closeorder`, {
      method: 'POST', body: '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><appid>&x;</appid></xml>',
    });
    const text = await response.text();
    expect(text).toMatch(/<return_code>FAIL<\/return_code>/);
    expect(text).toMatch(/DOCTYPE or ENTITY/);
    expect(text).not.toMatch(/root:/);
  });
});

describe('the sandbox’s imports', () => {
  const root = join(__dirname, '..', '..', 'lib', 'sandbox');
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });

  it('take nothing from the client but error classes and types', () => {
    const outside: string[] = [];
    for (const file of files(root)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']+)';/gm)) {
        const target = join(file, '..', match[3]!);
        if (!relative(root, target).startsWith('..')) continue;
        if (match[1]) continue; // `import type`: erased
        outside.push(`${relative(root, file)}: ${match[2]} from ${match[3]}`);
      }
    }
    expect(outside).toEqual(['self-signed.ts: { CryptoError } from ../errors.js']);
  });
});
