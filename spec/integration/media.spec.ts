/**
 * Media uploads with MediaUtil against the sandbox, which parses the multipart body itself, verifies the
 * signature over the meta part, checks the meta's sha256 against the file part, and keeps the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { MediaUtil } from '../../lib/util/media.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { handMadeMultipart, PNG } from './support.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: any;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
});

describe('media uploads', () => {
  it('v3/merchant/media/upload: a media_id for the file, which the sandbox keeps', async () => {
    const media = new MediaUtil('logo.png', PNG);
    const { data } = await client.v3.merchant.media.upload.post({ multipart: media });
    expect(typeof data.media_id).toBe('string');
    expect(sandbox.media(data.media_id)).toMatchObject({ bytes: PNG, filename: 'logo.png', contentType: 'image/png' });
  });

  it('v3/merchant/media/video_upload: a streamed video, sent the wechatpay-php way (body: media.getStream())', async () => {
    const video = randomBytes(256 * 1024);
    const media = await MediaUtil.from('clip.mp4', Readable.from([video.subarray(0, 100_000), video.subarray(100_000)]));
    const { data } = await client.v3.merchant.media.video_upload.post({ body: media.getStream(), headers: { 'Content-Type': media.getContentType() } });
    expect(sandbox.media(data.media_id)?.bytes.equals(video)).toBe(true);
    expect(sandbox.media(data.media_id)?.contentType).toBe('video/mp4');
  });

  it('v3/marketing/favor/media/image-upload: a media_url that serves the image', async () => {
    const { data } = await client.v3.marketing.favor.media.imageUpload.post({ multipart: new MediaUtil('coupon.png', PNG) });
    expect(data.media_url).toMatch(new RegExp(`^${sandbox.baseURL}__sandbox/media/`));
    const image = await fetch(data.media_url);
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('v3/merchant-service/images/upload, then the unsigned download of v3/merchant-service/images/{media_id}', async () => {
    const { data } = await client.v3.merchantService.images.upload.post({ multipart: new MediaUtil('proof.png', PNG) });
    expect(data.media_id).toMatch(/^[0-9A-F]{32}\.png$/);
    const download = await client.v3.merchantService.images._media_id_.get({ media_id: data.media_id });
    expect(download.headers['wechatpay-signature']).toBeUndefined();
    expect(Buffer.from(download.data).equals(PNG)).toBe(true);
    await expect(client.v3.merchantService.images._media_id_.get({ media_id: 'NOPE.png' })).rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
  });

  it('refuses a meta whose sha256 is not the file\'s', async () => {
    const media = (await MediaUtil.from('logo.png', PNG)).setMeta({ sha256: '0'.repeat(64) });
    await expect(client.v3.merchant.media.upload.post({ multipart: media })).rejects.toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: '/meta/sha256', location: 'form', value: '0'.repeat(64) },
    });
  });

  it('refuses a meta naming another file than the file part, and a meta changed after signing', async () => {
    const spec = { meta: { filename: 'a.png', sha256: '' }, file: 'file', digest: { field: 'sha256', algorithm: 'sha256' as const } };
    const renamed = handMadeMultipart(spec, PNG, 'b.png');
    const forged = { ...renamed, getMeta: () => renamed.getMeta().replace('b.png', 'a.png') };
    await expect(client.v3.merchant.media.upload.post({ multipart: forged })).rejects.toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    const mismatched = handMadeMultipart({ meta: { filename: 'other.png', sha256 }, file: 'file' }, PNG, 'b.png', { keepMeta: true });
    await expect(client.v3.merchant.media.upload.post({ multipart: mismatched })).rejects.toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: '/meta/filename', value: 'other.png' },
    });
  });

  it('refuses an upload without its file part, or that is not multipart', async () => {
    const noFile = handMadeMultipart({ meta: { filename: 'a.png', sha256: '' }, file: 'not-the-file', digest: { field: 'sha256', algorithm: 'sha256' } });
    await expect(client.v3.merchant.media.upload.post({ multipart: noFile })).rejects.toMatchObject({ status: 400, detail: { field: 'file', location: 'form' } });
    await expect(client.v3.merchant.media.upload.post({ json: { filename: 'a.png' } })).rejects.toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: 'Content-Type', location: 'header' },
    });
  });
});
