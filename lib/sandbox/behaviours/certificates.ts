/**
 * `GET v3/certificates` (and its overseas twins): the platform certificate, encrypted with the merchant's
 * APIv3 key (AES-256-GCM, associated data `certificate`), with its serial and validity.
 */
import { X509Certificate } from 'node:crypto';
import type { Handler } from '../call.js';
import { json } from '../answers.js';
import { alnum, rfc3339 } from '../ids.js';
import { aesGcmEncrypt } from '../sign.js';

const certificates: Handler = (call) => {
  const { identity } = call.runtime;
  const { id, certificate } = identity.platformCertificate;
  const x509 = new X509Certificate(certificate);
  const nonce = alnum(12);
  return json({
    data: [{
      serial_no: id,
      effective_time: rfc3339(new Date(x509.validFrom)),
      expire_time: rfc3339(new Date(x509.validTo)),
      encrypt_certificate: {
        algorithm: 'AEAD_AES_256_GCM',
        nonce,
        associated_data: 'certificate',
        ciphertext: aesGcmEncrypt(certificate, identity.apiv3Key, nonce, 'certificate'),
      },
    }],
  });
};

export const certificateBehaviours: Record<string, Handler> = {
  'get v3/certificates': certificates,
  'get hk/v3/certificates': certificates,
  'get v3/global/certificates': certificates,
};
