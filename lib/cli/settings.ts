/**
 * The merchant settings the commands that act as a merchant share (`doctor`, `request`): read from the flags,
 * else the `--config` file (sandbox.json's shape: what `Builder.factory` takes), else the `WECHATPAY_*`
 * variables. Keys are kept as references (a path made `file://`, or PEM), never printed.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ClientConfig } from '../core/config.js';

/** The flags {@link addSettingsOptions} adds. */
export interface SettingsFlags {
  config?: string;
  mchid?: string;
  serial?: string;
  privateKey?: string;
  merchantCert?: string;
  certs?: string;
  publicKeyId?: string;
  publicKey?: string;
  baseUrl?: string;
}

/** A merchant's settings, each a string as configured (PEM, `file://...` or a path for keys). */
export interface Settings {
  mchid?: string;
  serial?: string;
  privateKey?: string;
  merchantCert?: string;
  certs: Record<string, string>;
  apiv3Key?: string;
  secret?: string;
  baseURL?: string;
  /** Where they came from, for the report. */
  from: string;
}

/** A key or certificate reference as `Rsa.from` takes it: PEM as is, `file://` as is, a path made absolute. */
function reference(value: string, base: string): string {
  if (value.includes('-----BEGIN') || /^[a-z0-9.]+:\/\//i.test(value)) return value;
  return `file://${isAbsolute(value) ? value : resolve(base, value)}`;
}

/** `ID=/path,ID2=/path2`, as WECHATPAY_CERTS and --certs give them. */
function pairs(list: string | undefined, base: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (list ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`${pair} is not ID=file`);
    out[pair.slice(0, at)] = reference(pair.slice(at + 1), base);
  }
  return out;
}

/**
 * The settings from the flags, else the `--config` file, else the `WECHATPAY_*` variables (the APIv3 key and
 * the APIv2 secret from the file or the variables only: a flag would show in the process list).
 */
export function settingsOf(flags: SettingsFlags, env: NodeJS.ProcessEnv): Settings {
  const cwd = process.cwd();
  const fromEnv: Partial<Settings> = {
    mchid: env['WECHATPAY_MCHID'],
    serial: env['WECHATPAY_SERIAL'],
    privateKey: env['WECHATPAY_PRIVATE_KEY'] && reference(env['WECHATPAY_PRIVATE_KEY'], cwd),
    merchantCert: env['WECHATPAY_MERCHANT_CERT'] && reference(env['WECHATPAY_MERCHANT_CERT'], cwd),
    certs: {
      ...pairs(env['WECHATPAY_CERTS'], cwd),
      ...(env['WECHATPAY_PUBLIC_KEY_ID'] && env['WECHATPAY_PUBLIC_KEY'] ? { [env['WECHATPAY_PUBLIC_KEY_ID']]: reference(env['WECHATPAY_PUBLIC_KEY'], cwd) } : {}),
    },
    apiv3Key: env['WECHATPAY_APIV3_KEY'],
    secret: env['WECHATPAY_SECRET'],
    baseURL: env['WECHATPAY_BASE_URL'],
  };
  let fromFile: Partial<Settings> = {};
  if (flags.config) {
    const path = resolve(flags.config);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const base = dirname(path);
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const certs = typeof file['certs'] === 'object' && file['certs'] !== null ? file['certs'] as Record<string, unknown> : {};
    const merchant = file['merchant'] as { cert?: unknown } | undefined;
    fromFile = {
      mchid: text(file['mchid']),
      serial: text(file['serial']),
      privateKey: text(file['privateKey']) && reference(text(file['privateKey'])!, base),
      merchantCert: text(merchant?.cert) && reference(text(merchant?.cert)!, base),
      certs: Object.fromEntries(Object.entries(certs).filter(([, value]) => typeof value === 'string').map(([id, value]) => [id, reference(value as string, base)])),
      apiv3Key: text(file['apiv3Key']),
      secret: text(file['secret']),
      baseURL: text(file['baseURL']) ?? text(file['base_uri']),
    };
  }
  const fromFlags: Partial<Settings> = {
    mchid: flags.mchid,
    serial: flags.serial,
    privateKey: flags.privateKey && reference(flags.privateKey, cwd),
    merchantCert: flags.merchantCert && reference(flags.merchantCert, cwd),
    baseURL: flags.baseUrl,
  };
  const flagCerts = { ...pairs(flags.certs, cwd), ...(flags.publicKeyId && flags.publicKey ? { [flags.publicKeyId]: reference(flags.publicKey, cwd) } : {}) };
  const pick = <K extends keyof Settings>(key: K): Settings[K] | undefined => fromFlags[key] ?? fromFile[key] ?? fromEnv[key];
  const certs = Object.keys(flagCerts).length ? flagCerts : Object.keys(fromFile.certs ?? {}).length ? fromFile.certs! : fromEnv.certs!;
  const settings: Settings = { certs, from: flags.config ? resolve(flags.config) : Object.values(fromFlags).some(Boolean) ? 'flags' : 'WECHATPAY_* variables' };
  for (const key of ['mchid', 'serial', 'privateKey', 'merchantCert', 'apiv3Key', 'secret', 'baseURL'] as const) {
    const value = pick(key);
    if (value) settings[key] = value;
  }
  return settings;
}

/**
 * Adds the settings flags. `mchid` is the merchant id's flag (`-m, --mchid <mchid>` for `doctor`; `request`
 * keeps `-m` for the verb); `baseUrl` describes what `-u` does for the command.
 */
export function addSettingsOptions(command: Command, flags: { mchid: string; baseUrl: string }): Command {
  return command
    .option('-c, --config <file>', 'settings as Builder.factory takes them (sandbox.json)')
    .option(flags.mchid, 'the merchant id')
    .option('-s, --serial <serial>', "the merchant's API certificate serial")
    .option('-f, --private-key <file>', "the merchant's API private key (apiclient_key.pem)")
    .option('--merchant-cert <file>', "the merchant's API certificate (apiclient_cert.pem)")
    .option('--certs <list>', 'platform keys: SERIAL=cert.pem,PUB_KEY_ID_...=pub_key.pem')
    .option('--public-key-id <id>', 'the platform public key id (with --public-key)')
    .option('--public-key <file>', 'the platform public key file')
    .option('-u, --base-url <url>', flags.baseUrl);
}

/** What `Builder.factory` takes for these settings (automatic certificates when no platform key is given but the APIv3 key is). */
export function clientConfig(settings: Settings): ClientConfig {
  const certs = Object.keys(settings.certs).length ? settings.certs : undefined;
  return {
    mchid: settings.mchid ?? '',
    serial: settings.serial ?? '',
    privateKey: settings.privateKey ?? '',
    ...(certs ? { certs } : settings.apiv3Key ? { autoCertificates: true } : {}),
    ...(settings.apiv3Key ? { apiv3Key: settings.apiv3Key } : {}),
    ...(settings.secret ? { secret: settings.secret } : {}),
    ...(settings.merchantCert ? { merchant: { cert: settings.merchantCert } } : {}),
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
  };
}
