/**
 * `wechatpay-chain doctor`: checks a merchant's settings before they fail in production.
 *
 *     wechatpay-chain doctor [--config sandbox.json] [-m mchid] [-s serial] [-f apiclient_key.pem]
 *                            [--merchant-cert apiclient_cert.pem] [--certs ID=file,...] [--public-key-id ID --public-key file]
 *                            [-u baseURL] [--json] [--strict]
 *
 * Settings come from the flags, else the `--config` file (sandbox.json's shape: what `Builder.factory`
 * takes), else the `WECHATPAY_*` variables. The APIv3 key and the APIv2 secret come from the file or the
 * variables (a flag would show in the process list). Nothing secret is ever printed.
 * Exit code 1 when a check fails (`--strict`: also when one warns).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { Builder } from '../core/builder.js';
import { Rsa } from '../crypto/rsa.js';
import { ApiError, CertificateError, RequestError, VerificationError } from '../errors.js';
import { PemUtil } from '../util/pem.js';
import { addSettingsOptions, settingsOf, type Settings, type SettingsFlags } from './settings.js';

interface DoctorFlags extends SettingsFlags {
  json?: boolean;
  strict?: boolean;
}

type Status = 'ok' | 'warn' | 'fail' | 'skip';
type Mode = 'certificates' | 'public-key' | 'both';

export interface Check {
  check: string;
  status: Status;
  message: string;
}

export interface DoctorReport {
  ok: boolean;
  mchid: string | undefined;
  from: string;
  /** What the platform says (with a base URL): certificates, the public key only, or both; null without a call. */
  mode: Mode | null;
  checks: Check[];
}

const DAY = 24 * 3600 * 1000;
const SOON_DAYS = 30;
const PUBLIC_KEY_ID = /^PUB_KEY_ID_\d{10,64}$/;
const SERIAL = /^[0-9A-Fa-f]{1,64}$/;

const days = (until: Date, now: number): number => Math.floor((until.getTime() - now) / DAY);
const dateOf = (date: Date): string => date.toISOString().slice(0, 10);

/** ok, warn (within 30 days) or fail (expired, not yet valid) for a validity window. */
function validity(certificate: X509Certificate, now: number): { status: Status; text: string } {
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  if (from.getTime() > now) return { status: 'fail', text: `not valid before ${dateOf(from)}` };
  const left = days(to, now);
  if (left < 0) return { status: 'fail', text: `expired on ${dateOf(to)}` };
  return { status: left < SOON_DAYS ? 'warn' : 'ok', text: `valid until ${dateOf(to)} (${left} days${left < SOON_DAYS ? ': renew it now' : ''})` };
}

function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs every check; makes one signed call when a base URL is given. */
export async function diagnose(settings: Settings, now = Date.now()): Promise<DoctorReport> {
  const checks: Check[] = [];
  const add = (check: string, status: Status, message: string) => checks.push({ check, status, message });

  if (!settings.mchid) add('mchid', 'fail', 'missing: --mchid, "mchid" in the file, or WECHATPAY_MCHID');
  else add('mchid', /^\d{6,32}$/.test(settings.mchid) ? 'ok' : 'warn', /^\d{6,32}$/.test(settings.mchid) ? settings.mchid : `${settings.mchid} is not all digits, as merchant ids are`);

  let privateKey: KeyObject | undefined;
  if (!settings.privateKey) add('private key', 'fail', 'missing: --private-key, "privateKey" in the file, or WECHATPAY_PRIVATE_KEY');
  else {
    try {
      privateKey = Rsa.from(settings.privateKey, 'private');
      const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
      add('private key', bits >= 2048 ? 'ok' : 'fail', `RSA ${bits} bits${bits >= 2048 ? '' : ': WeChat Pay keys are 2048 bits'}`);
    } catch (error) {
      add('private key', 'fail', `does not load: ${failure(error)}`);
    }
  }

  const serial = settings.serial;
  if (!serial) add('serial', 'fail', 'missing: --serial, "serial" in the file, or WECHATPAY_SERIAL');
  else if (!SERIAL.test(serial)) add('serial', 'fail', `${serial} is not a certificate serial (hex digits)`);

  let merchantSerial: string | undefined;
  if (settings.merchantCert) {
    try {
      const certificate = PemUtil.loadCertificate(settings.merchantCert);
      merchantSerial = PemUtil.parseCertificateSerialNo(certificate);
      const problems: string[] = [];
      if (privateKey && !certificate.checkPrivateKey(privateKey)) problems.push('it does not belong to the private key');
      const window = validity(certificate, now);
      const status: Status = problems.length ? 'fail' : window.status;
      add('merchant certificate', status, [`serial ${merchantSerial}`, ...problems, window.text].join(', '));
      if (serial && SERIAL.test(serial)) {
        if (serial.toUpperCase() === merchantSerial) add('serial', 'ok', `${serial} is the merchant certificate's serial`);
        else add('serial', 'fail', `${serial} is not the merchant certificate's serial ${merchantSerial}`);
      }
    } catch (error) {
      add('merchant certificate', 'fail', `does not load: ${failure(error)}`);
    }
  } else {
    add('merchant certificate', 'skip', 'not given (--merchant-cert, "merchant": { "cert" } in the file, WECHATPAY_MERCHANT_CERT): the serial and the key cannot be checked against it');
    if (serial && SERIAL.test(serial)) add('serial', 'ok', `${serial} (not checked against a certificate)`);
  }

  const ids = Object.keys(settings.certs);
  const merchantSerials = new Set([serial, merchantSerial].filter(Boolean).map((value) => value!.toUpperCase()));
  if (ids.length === 0) {
    add('platform keys', 'warn', 'none configured: the client needs `certs` (the public key, or certificates) or autoCertificates: true');
  } else {
    const own = ids.filter((id) => merchantSerials.has(id.toUpperCase()));
    if (own.length) add('platform keys', 'fail', `${own.join(', ')} is the merchant's own certificate serial: certs holds the platform's keys only`);
    else add('platform keys', 'ok', `${ids.length} configured, none of them the merchant's own serial`);
  }
  for (const [id, value] of Object.entries(settings.certs)) {
    if (merchantSerials.has(id.toUpperCase())) continue;
    if (id.startsWith('PUB_KEY_ID_')) {
      const form = PUBLIC_KEY_ID.test(id);
      try {
        Rsa.from(value, 'public');
        add(`public key ${id}`, form ? 'ok' : 'fail', form ? 'loads' : 'loads, but the id is not PUB_KEY_ID_ followed by its digits');
      } catch (error) {
        add(`public key ${id}`, 'fail', `does not load: ${failure(error)}`);
      }
      continue;
    }
    if (!SERIAL.test(id)) {
      add(`platform key ${id}`, 'fail', 'the id is neither a certificate serial (hex) nor PUB_KEY_ID_...');
      continue;
    }
    try {
      const certificate = PemUtil.loadCertificate(value);
      const actual = PemUtil.parseCertificateSerialNo(certificate);
      const window = validity(certificate, now);
      if (actual !== id.toUpperCase()) add(`certificate ${id}`, 'fail', `the file holds certificate ${actual}, not ${id}`);
      else add(`certificate ${id}`, window.status, window.text);
    } catch (error) {
      add(`certificate ${id}`, 'fail', `does not load as a certificate: ${failure(error)}`);
    }
  }

  if (settings.apiv3Key === undefined) add('APIv3 key', 'warn', 'not given (WECHATPAY_APIV3_KEY, or "apiv3Key" in the file): notifications and certificate downloads need it');
  else {
    const bytes = Buffer.byteLength(settings.apiv3Key);
    add('APIv3 key', bytes === 32 ? 'ok' : 'fail', `${bytes} bytes${bytes === 32 ? '' : ': it must be exactly 32'}`);
  }
  if (settings.secret !== undefined) {
    const bytes = Buffer.byteLength(settings.secret);
    add('APIv2 secret', bytes === 32 ? 'ok' : 'fail', `${bytes} bytes${bytes === 32 ? '' : ': it must be exactly 32'}`);
  }

  const mode = settings.baseURL ? await platformCheck(settings, checks, add) : undefined;
  const ok = !checks.some((check) => check.status === 'fail');
  return { ok, mchid: settings.mchid, from: settings.from, mode: mode ?? null, checks };
}

/** One signed call, `GET v3/certificates`, verified and decrypted as automatic certificates do it. */
async function platformCheck(settings: Settings, checks: Check[], add: (check: string, status: Status, message: string) => void): Promise<Mode | undefined> {
  const name = `platform (${settings.baseURL})`;
  if (checks.some((check) => check.status === 'fail')) {
    add(name, 'skip', 'not called: fix the problems above first');
    return undefined;
  }
  if (settings.apiv3Key === undefined) {
    add(name, 'skip', 'not called: the APIv3 key is needed to read the certificates');
    return undefined;
  }
  const publicKeyIds = Object.keys(settings.certs).filter((id) => id.startsWith('PUB_KEY_ID_'));
  try {
    const client = Builder.factory({
      mchid: settings.mchid!,
      serial: settings.serial!,
      privateKey: settings.privateKey!,
      apiv3Key: settings.apiv3Key,
      baseURL: settings.baseURL,
      ...(Object.keys(settings.certs).length ? { certs: settings.certs } : {}),
      autoCertificates: { onError: () => undefined },
    });
    const downloaded = await client.certificates.refresh();
    const listed = downloaded.certificates.map((certificate) => `${certificate.serial} (until ${dateOf(certificate.validTo)})`);
    add(name, 'ok', `GET v3/certificates answered ${listed.length} certificate(s): ${listed.join(', ')}; the answer is signed by ${downloaded.signedBy} and verifies`);
    const announced = new Set(downloaded.certificates.map((certificate) => certificate.serial));
    for (const id of Object.keys(settings.certs).filter((item) => !item.startsWith('PUB_KEY_ID_') && !announced.has(item.toUpperCase()))) {
      add(`certificate ${id}`, 'warn', 'the platform does not list it any more: a newer one replaces it (autoCertificates keeps up by itself)');
    }
    return publicKeyIds.length ? 'both' : 'certificates';
  } catch (error) {
    if (error instanceof CertificateError && error.code === 'ECERT_NONE') {
      if (publicKeyIds.length) add(name, 'ok', `the merchant has no platform certificates (404 RESOURCE_NOT_EXISTS): it uses the public key ${publicKeyIds.join(', ')}`);
      else add(name, 'fail', error.message);
      for (const id of Object.keys(settings.certs).filter((item) => !item.startsWith('PUB_KEY_ID_'))) {
        add(`certificate ${id}`, 'warn', 'configured, but the merchant has no platform certificates any more: nothing is signed with it');
      }
      return 'public-key';
    }
    const what = error instanceof ApiError
      ? `the platform refused the call: ${error.status} ${error.code}: ${error.message}${error.status === 401 ? ' (mchid, serial and private key must be those of the merchant API certificate)' : ''}`
      : error instanceof VerificationError ? `the answer does not verify: ${error.message}`
        : error instanceof RequestError ? `cannot reach it: ${error.message}`
          : failure(error);
    add(name, 'fail', what);
    return undefined;
  }
}

const MARK: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };
const MODES: Record<Mode, string> = {
  certificates: 'platform certificates',
  'public-key': 'the platform public key only',
  both: 'both platform certificates and the public key (the migration: answers may be signed with either)',
};

function print(report: DoctorReport): void {
  const width = Math.max(...report.checks.map((check) => check.check.length));
  console.log(`wechatpay-chain doctor: merchant ${report.mchid ?? '(unknown)'}, settings from ${report.from}`);
  for (const check of report.checks) console.log(`  ${MARK[check.status]}  ${check.check.padEnd(width)}  ${check.message}`);
  if (report.mode) console.log(`Mode: ${MODES[report.mode]}`);
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const warned = report.checks.filter((check) => check.status === 'warn').length;
  console.log(failed || warned ? `${failed} problem${failed === 1 ? '' : 's'}, ${warned} warning${warned === 1 ? '' : 's'}` : 'All good.');
}

async function doctor(flags: DoctorFlags): Promise<void> {
  const report = await diagnose(settingsOf(flags, process.env));
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else print(report);
  if (!report.ok || (flags.strict && report.checks.some((check) => check.status === 'warn'))) process.exitCode = 1;
}

/** Adds `doctor` to the CLI. */
export function registerDoctor(cli: Command): void {
  const command = cli.command('doctor')
    .description("check a merchant's keys, certificates and secrets (and, with a base URL, one signed call)");
  addSettingsOptions(command, { mchid: '-m, --mchid <mchid>', baseUrl: 'make one signed call (GET v3/certificates) to this host' })
    .option('--json', 'print the report as JSON')
    .option('--strict', 'exit 1 on warnings too (a certificate expiring within 30 days)')
    .action((flags: DoctorFlags) => doctor(flags));
}
