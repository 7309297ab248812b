/**
 * `wechatpay-chain certificates download`: wechatpay-php's CertificateDownloader, with its flags.
 *
 *     wechatpay-chain certificates download -k <apiv3Key> -m <mchid> -f <apiclient_key.pem> -s <serial>
 *                                           [-o <folder>] [-u <baseURL>] [--public-key-id <id> --public-key <pub_key.pem>]
 *
 * Downloads `GET v3/certificates`, verifies the answer (its signature with a certificate from the same
 * answer, or with the public key given), decrypts each certificate with the APIv3 key, checks its serial
 * and validity, and writes `wechatpay_<serial>.pem` per certificate into the folder, atomically.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { Builder } from '../core/builder.js';
import { DEFAULT_BASE_URL } from '../core/config.js';

interface DownloadFlags {
  key: string;
  mchid: string;
  privatekey: string;
  serialno: string;
  output?: string;
  baseuri: string;
  publicKeyId?: string;
  publicKey?: string;
}

const fileUrl = (path: string): string => `file://${resolve(path)}`;

/**
 * wechatpay-php's default: `<tmp>/wechatpay-<uid>`, made private (0700), or reused only when it is a
 * folder of this user that nobody else can write to.
 */
async function privateFolder(): Promise<string> {
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `wechatpay-${uid ?? randomBytes(8).toString('hex')}`);
  const made = await fsp.mkdir(dir, { mode: 0o700 }).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return false;
    throw error;
  });
  if (made) return dir;
  const stat = await fsp.lstat(dir);
  if (!stat.isDirectory() || (stat.mode & 0o022) !== 0 || (uid !== undefined && stat.uid !== uid)) {
    throw new Error(`Refused to reuse ${dir}: it must be a folder of the current user that others cannot write to; give one with -o`);
  }
  return dir;
}

/** Written aside and renamed into place: never a half-written certificate, never through a planted link. */
async function atomicWrite(path: string, content: string): Promise<void> {
  const aside = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    await fsp.writeFile(aside, content, { flag: 'wx', mode: 0o644 });
    await fsp.rename(aside, path);
  } catch (error) {
    await fsp.rm(aside, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function download(flags: DownloadFlags): Promise<void> {
  if (Boolean(flags.publicKeyId) !== Boolean(flags.publicKey)) {
    throw new Error('--public-key-id and --public-key go together');
  }
  const client = Builder.factory({
    mchid: flags.mchid,
    serial: flags.serialno,
    privateKey: fileUrl(flags.privatekey),
    apiv3Key: flags.key,
    baseURL: flags.baseuri,
    autoCertificates: { onError: () => undefined },
    ...(flags.publicKeyId && flags.publicKey ? { certs: { [flags.publicKeyId]: fileUrl(flags.publicKey) } } : {}),
  });
  const downloaded = await client.certificates.refresh();
  const output = flags.output === undefined ? await privateFolder() : resolve(flags.output);
  await fsp.mkdir(output, { recursive: true });
  console.log(`The certificate(s) are verified (the answer is signed by ${downloaded.signedBy ?? 'an unnamed key'}) and saved into ${output}`);
  for (const [index, certificate] of downloaded.certificates.entries()) {
    const path = join(output, `wechatpay_${certificate.serial}.pem`);
    await atomicWrite(path, certificate.pem);
    console.log([
      `Certificate #${index} {`,
      `    Serial Number: ${certificate.serial}`,
      `    Not Before: ${certificate.validFrom.toISOString()}`,
      `    Not After: ${certificate.validTo.toISOString()}`,
      `    Saved to: ${path}`,
      '    You may confirm the above again with:',
      `      openssl x509 -in ${path} -noout -serial -dates`,
      '}',
    ].join('\n'));
  }
}

/** Adds `certificates download` to the CLI. */
export function registerCertificates(cli: Command): void {
  const certificates = cli.command('certificates').description('the platform certificates');
  certificates.command('download')
    .description('download, verify and save the platform certificates (GET v3/certificates) as wechatpay_<serial>.pem')
    .addOption(new Option('-k, --key <apiv3Key>', 'the APIv3 key (APIv3密钥)').env('WECHATPAY_APIV3_KEY').makeOptionMandatory())
    .requiredOption('-m, --mchid <merchantId>', 'the merchant id (商户号)')
    .requiredOption('-f, --privatekey <file>', "the merchant's API private key file (商户的私钥文件)")
    .requiredOption('-s, --serialno <serialNo>', "the merchant's API certificate serial (商户证书的序列号)")
    .option('-o, --output <folder>', 'where to save them (default: a private folder under the temporary folder, printed)')
    .option('-u, --baseuri <baseUri>', 'the API host (接入点)', DEFAULT_BASE_URL)
    .option('--public-key-id <id>', 'the platform public key id (PUB_KEY_ID_...), when the platform signs with it')
    .option('--public-key <file>', 'the platform public key file (pub_key.pem)')
    .action((flags: DownloadFlags) => download(flags));
}
