/**
 * Media upload with MediaUtil: an image from a file path (v3/merchant/media/upload), then, if given, a
 * video from a stream (v3/merchant/media/video_upload), spooled to a temporary file while it is hashed.
 *
 * Run:
 *   WECHATPAY_MCHID=1230000109 WECHATPAY_SERIAL=<merchant certificate serial> \
 *   WECHATPAY_PRIVATE_KEY=/path/to/apiclient_key.pem \
 *   WECHATPAY_PUBLIC_KEY_ID=PUB_KEY_ID_... WECHATPAY_PUBLIC_KEY=/path/to/pub_key.pem \
 *   npx tsx examples/upload-image.ts ./logo.png [./clip.mp4]
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder } from '../lib/index.js';
import { MediaUtil } from '../lib/util/media.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see the comment at the top of this file)`);
  return value;
}

async function main(): Promise<void> {
  const [image, video] = process.argv.slice(2);
  if (!image) throw new Error('usage: npx tsx examples/upload-image.ts <image> [video]');

  const client = Builder.factory({
    mchid: env('WECHATPAY_MCHID'),
    serial: env('WECHATPAY_SERIAL'),
    privateKey: pathToFileURL(resolve(env('WECHATPAY_PRIVATE_KEY'))).href,
    certs: { [env('WECHATPAY_PUBLIC_KEY_ID')]: pathToFileURL(resolve(env('WECHATPAY_PUBLIC_KEY'))).href },
    // a sandbox, if you have one: WECHATPAY_BASE_URL=http://127.0.0.1:8080/
    ...(process.env['WECHATPAY_BASE_URL'] ? { baseURL: process.env['WECHATPAY_BASE_URL'] } : {}),
  });

  // The short form: the client hashes the file itself and signs the meta JSON.
  const media = new MediaUtil(image);
  const { data } = await client.v3.merchant.media.upload.post({ multipart: media });
  console.log(`${media.getFilename()} (${media.getSize()} bytes, sha256 ${media.getSha256()}) -> media_id ${data.media_id}`);
  console.log(`signed meta: ${media.getMeta()}`);

  if (video) {
    // A stream (an upload being relayed, say): hashed while spooled to a temp file, read once, never held in memory.
    const clip = await MediaUtil.from('clip.mp4', createReadStream(video));
    const answer = await client.v3.merchant.media.video_upload.post({ multipart: clip });
    console.log(`${video} -> media_id ${answer.data.media_id}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
