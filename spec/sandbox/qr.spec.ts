/** `GET /__sandbox/qr.svg?text=...`: a QR code for what one can hold, 400 for what it cannot (never a 500). */
import { QR_MAX_BYTES } from '../../lib/sandbox/console.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;

withSandbox((s) => {
  sandbox = s;
});

const qr = async (text: string) => {
  const answer = await fetch(`${sandbox.baseURL}__sandbox/qr.svg?text=${encodeURIComponent(text)}`);
  return { status: answer.status, type: answer.headers.get('content-type'), body: await answer.text() };
};

describe('the QR code of the console', () => {
  it('draws a code_url, and the longest text a code holds', async () => {
    expect(await qr('weixin://wxpay/bizpayurl?pr=abc')).toMatchObject({ status: 200, type: 'image/svg+xml', body: expect.stringMatching(/^<svg/) });
    expect((await qr('中'.repeat(Math.floor(QR_MAX_BYTES / 3)))).status).toBe(200);
  });

  it('answers 400 for multi-byte text within 1,024 characters that no QR code holds', async () => {
    expect(await qr('中'.repeat(1024))).toMatchObject({ status: 400, body: expect.stringContaining(`${QR_MAX_BYTES} bytes`) });
    expect((await qr('中'.repeat(Math.floor(QR_MAX_BYTES / 3) + 1))).status).toBe(400);
    expect((await qr('😀'.repeat(740))).status).toBe(400);
  });

  it('answers 400 for no text and for more than 1,024 characters', async () => {
    expect((await qr('')).status).toBe(400);
    expect((await qr('a'.repeat(1025))).status).toBe(400);
  });
});
