/**
 * `GET v3/certificates` (and its overseas twins): the platform certificates listed now (platform-certificates.ts:
 * rotations add to the list, retirements and expiry take away), each encrypted with the merchant's APIv3 key
 * (AES-256-GCM, associated data `certificate`), with its serial and validity. A public-key-only merchant has
 * none: 404 `RESOURCE_NOT_EXISTS`, as the platform answers.
 */
import type { Handler } from '../call.js';
import { json } from '../answers.js';
import { notExists } from '../errors.js';
import { alnum, rfc3339 } from '../ids.js';
import { aesGcmEncrypt } from '../sign.js';
import { platformCertificates } from '../platform-certificates.js';

const certificates: Handler = (call) => {
  const { identity } = call.runtime;
  const lifecycle = platformCertificates(identity);
  if (lifecycle.publicKeyOnly) throw notExists('无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥');
  return json({
    data: lifecycle.listed().map(({ id, certificate, validFrom, validTo }) => {
      const nonce = alnum(12);
      return {
        serial_no: id,
        effective_time: rfc3339(validFrom),
        expire_time: rfc3339(validTo),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          nonce,
          associated_data: 'certificate',
          ciphertext: aesGcmEncrypt(certificate, identity.apiv3Key, nonce, 'certificate'),
        },
      };
    }),
  });
};

export const certificateBehaviours: Record<string, Handler> = {
  'get v3/certificates': certificates,
  'get hk/v3/certificates': certificates,
  'get v3/global/certificates': certificates,
};
