/**
 * Media upload with MediaUtil: an image from a file path (v3/merchant/media/upload), then, if given, a
 * video from a stream (v3/merchant/media/video_upload), spooled to a temporary file while it is hashed.
 *
 * Without an image argument it uploads a small PNG it writes to the temp folder.
 *
 *   npx tsx examples/upload-image.ts [./logo.png [./clip.mp4]]
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaUtil } from 'wechatpay-chain';
import { run } from './support.js';

/** A 1x1 PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

run(async ({ client }) => {
  const [given, video] = process.argv.slice(2);
  const image = given ?? join(tmpdir(), 'wechatpay-chain-example.png');
  if (!given) writeFileSync(image, PIXEL);

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
});
