/**
 * Every upload endpoint of the API description, with every file type it accepts, the way wechatpay-php's
 * docs write the call (MediaUtil, the meta set where the endpoint wants its own fields). The sandbox parses
 * the multipart body, verifies the signature over the meta (APIv3) or the signed form fields (APIv2) and
 * checks the digest against the file; the bytes sent are recorded on the way (an adapter behind the SDK's
 * send guard) to check the file part's Content-Type, which must be the one wechatpay-php sends (Guzzle
 * names a part by its file name with guzzlehttp/psr7's MimeType table).
 */
import { createHash, randomBytes } from 'node:crypto';
import axios, { type AxiosAdapter } from 'axios';
import { Builder, type Client } from '../../lib/index.js';
import { MediaUtil } from '../../lib/util/media.js';
import { loadData } from '../../lib/sandbox/data.js';
import type { Sandbox } from '../../lib/sandbox/index.js';
import { parseMultipart, type FormPart } from '../support/multipart.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: Client;
/** The multipart bodies sent, as they left. */
const sent: Array<{ contentType: string; parts: FormPart[] }> = [];
const http = axios.getAdapter('http');
const recording: AxiosAdapter = async (config) => {
  const chunks: Buffer[] = [];
  for await (const chunk of config.data as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const body = Buffer.concat(chunks);
  const contentType = String(config.headers.get('Content-Type'));
  sent.push({ contentType, parts: parseMultipart(body, contentType) });
  return http({ ...config, data: body });
};
withSandbox((s) => {
  sandbox = s;
  client = Builder.factory({ ...s.config, adapter: recording });
});

/** What wechatpay-php sends as the file part's Content-Type, by extension. */
const PHP_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', bmp: 'image/bmp', pdf: 'application/pdf', csv: 'text/csv',
  avi: 'video/x-msvideo', wmv: 'video/x-ms-wmv', mpeg: 'video/mpeg', mp4: 'video/mp4', mov: 'video/quicktime',
  mkv: 'video/matroska', flv: 'video/x-flv', f4v: 'video/mp4', m4v: 'video/x-m4v', rmvb: 'application/vnd.rn-realmedia-vbr',
  // Not in Guzzle's table: wechatpay-php sends no Content-Type, this SDK the generic binary type.
  ofd: 'application/octet-stream',
};

const digest = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

interface Upload {
  /** The types the endpoint's documentation accepts. */
  types: readonly string[];
  /** The call, as the PHP sample writes it. */
  send(file: string, bytes: Buffer): Promise<unknown>;
}

/** `v3/...` endpoints whose meta is MediaUtil's own (`filename`, `sha256`). */
const plain = (types: readonly string[], post: (media: MediaUtil) => Promise<unknown>): Upload => ({
  types,
  send: (file, bytes) => post(new MediaUtil(file, bytes)),
});

const IMAGES = ['jpg', 'png', 'bmp'];

const UPLOADS: Readonly<Record<string, Upload>> = {
  'v3/merchant/media/upload': plain(['jpg', 'jpeg', 'png', 'bmp', 'pdf'], (media) => client.v3.merchant.media.upload.post({ multipart: media })),
  'v3/merchant/media/video_upload': plain(['avi', 'wmv', 'mpeg', 'mp4', 'mov', 'mkv', 'flv', 'f4v', 'm4v', 'rmvb'],
    (media) => client.v3.merchant.media.video_upload.post({ multipart: media })),
  'v3/merchant-service/images/upload': plain(IMAGES, (media) => client.v3.merchantService.images.upload.post({ multipart: media })),
  'v3/global/merchant-service/images/upload': plain(IMAGES, (media) => client.v3.global.merchantService.images.upload.post({ multipart: media })),
  'v3/global/merchant-storage/file/upload': plain(['pdf', ...IMAGES], (media) => client.v3.global.merchantStorage.file.upload.post({ multipart: media })),
  'v3/marketing/favor/media/image-upload': plain(IMAGES, (media) => client.v3.marketing.favor.media.imageUpload.post({ multipart: media })),
  'v3/marketing/partner/product-coupon/media/upload-image': plain(IMAGES,
    (media) => client.v3.marketing.partner.productCoupon.media.uploadImage.post({ multipart: media })),
  'v3/marketing/shopping-receipt/shoppingreceipts': {
    types: ['png', 'jpg'],
    async send(file, bytes) {
      const media = await MediaUtil.from(file, bytes);
      media.setMeta({ transaction_id: '4200000000000000000000000000', openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
      return client.v3.marketing.shoppingReceipt.shoppingreceipts.post({ multipart: media });
    },
  },
  'v3/ecommerce/account/cancel-applications/media': {
    types: IMAGES,
    async send(file, bytes) {
      const media = await MediaUtil.from(file, bytes);
      media.setMeta(JSON.stringify({ file_digest: media.getSha256().toUpperCase(), file_name: file }));
      return client.v3.ecommerce.account.cancelApplications.media.post({ multipart: media });
    },
  },
  'v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload': {
    types: ['jpg', 'png'],
    async send(file, bytes) {
      const media = await MediaUtil.from(file, bytes, { name: 'submission_file', fields: { item_id: 56, manage_record_id: '56' } });
      media.setMeta(JSON.stringify({ file_name: file, file_digest: media.getSha256().toUpperCase() }));
      return client.v3.mchManage.submissionFiles.subMchid._sub_mchid_.upload.post({ sub_mchid: '123000110', multipart: media });
    },
  },
  'v3/mch-operation-manage/enhanced-due-diligence/{due_diligence_id}/upload': {
    types: ['jpg', 'png'],
    async send(file, bytes) {
      const media = await MediaUtil.from(file, bytes, { name: 'due_diligence_file' });
      media.setMeta(JSON.stringify({ file_name: file, file_digest: media.getSha256().toUpperCase(), sub_mchid: '1230001104', item_id: 130013 }));
      return client.v3.mchOperationManage.enhancedDueDiligence._due_diligence_id_.upload.post({ due_diligence_id: '1000000000', multipart: media });
    },
  },
  'v3/new-tax-control-fapiao/fapiao-applications/upload-fapiao-file': {
    types: ['pdf', 'ofd'],
    async send(file, bytes) {
      const media = new MediaUtil(file, bytes);
      media.setMeta(JSON.stringify({ file_type: file.endsWith('.ofd') ? 'OFD' : 'PDF', digest_alogrithm: 'SM3', digest: digest('sm3', bytes) }));
      return client.v3.newTaxControlFapiao.fapiaoApplications.uploadFapiaoFile.post({ multipart: media });
    },
  },
  'v3/taxi-invoice/cards/upload-file': {
    types: ['pdf', ...IMAGES],
    async send(file, bytes) {
      const media = new MediaUtil(file, bytes);
      media.setMeta(JSON.stringify({ company_mchid: '1900000109', region_id: 310100, digest_algorithm: 'DIGEST_ALGORITHM_SM3', digest: digest('sm3', bytes) }));
      return client.v3.taxiInvoice.cards.uploadFile.post({ multipart: media });
    },
  },
  'v3/marketing/bank/packages/{package_id}/tasks': {
    types: ['csv'],
    async send(file, bytes) {
      const media = await MediaUtil.from(file, bytes);
      // wechatpay-php's sample: the default meta, with bank_type added
      media.setMeta({ ...JSON.parse(media.getMeta()) as object, bank_type: 'ICBC_DEBIT' });
      return client.v3.marketing.bank.packages._package_id_.tasks.post({ package_id: '8473295', multipart: media });
    },
  },
  'v2/secapi/mch/uploadmedia': {
    types: ['jpeg', 'jpg', 'bmp', 'png'],
    async send(file, bytes) {
      return client.v2.secapi.mch.uploadmedia.post({ multipart: new MediaUtil(file, bytes) });
    },
  },
};

describe('every upload endpoint, every file type it takes, sent as wechatpay-php sends it', () => {
  const cases = Object.entries(UPLOADS).flatMap(([endpoint, upload]) => upload.types.map((type) => [endpoint, type] as const));

  it('covers every multipart endpoint of the API description', () => {
    const described = loadData().endpoints.filter((e) => e.form).map((e) => e.template).sort();
    expect(Object.keys(UPLOADS).sort()).toEqual(described);
  });

  it.each(cases)('%s: .%s', async (endpoint, type) => {
    const bytes = randomBytes(2048);
    const file = `sample-${type}.${type}`;
    sandbox.clearRequests();
    sent.length = 0;
    await UPLOADS[endpoint]!.send(file, bytes);
    expect(sandbox.requests.map((r) => [r.template, r.status])).toEqual([[endpoint, 200]]);
    expect(sent).toHaveLength(1);
    const part = sent[0]!.parts.find((p) => p.filename !== undefined)!;
    expect([part.filename, part.headers['content-type']]).toEqual([file, PHP_TYPES[type]]);
    expect(part.body.equals(bytes)).toBe(true);
  });
});

describe('an APIv2 upload', () => {
  it('signs mch_id, media_hash (the MD5 of the file) and sign_type, without nonce_str, and verifies the signed answer', async () => {
    const bytes = randomBytes(1024);
    const media = new MediaUtil('image.jpg', bytes);
    const { data } = await client.v2.secapi.mch.uploadmedia.post({ multipart: media, xml: { sign_type: 'HMAC-SHA256' } });
    expect(data).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', media_id: expect.any(String) });
    expect(data.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(media.getMd5()).toBe(digest('md5', bytes));
  });

  it('takes a MediaUtil only, and refuses another merchant before sending', async () => {
    sandbox.clearRequests();
    const handMade = { getMeta: () => '{}', getContentType: () => 'multipart/form-data; boundary=x', getBody: () => Buffer.alloc(0) };
    await expect(client.chain('v2/secapi/mch/uploadmedia').post({ multipart: handMade as never })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    await expect(client.v2.secapi.mch.uploadmedia.post({ multipart: new MediaUtil('a.png', randomBytes(8)), xml: { mch_id: '1900000001' } }))
      .rejects.toMatchObject({ code: 'EREQUEST_OPTIONS', message: expect.stringMatching(/not the configured merchant/) });
    expect(sandbox.requests).toEqual([]);
  });
});

