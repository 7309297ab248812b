/**
 * Where the examples run: against the embedded sandbox by default, or against the live API when the
 * WECHATPAY_* variables are set (see examples/README.md). Nothing else in the examples depends on which.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder, type Client, type ClientConfig } from 'wechatpay-chain';
import { startSandbox, type Sandbox } from 'wechatpay-chain/sandbox';

export interface Setting {
  client: Client;
  /** The sandbox the example runs on, or undefined on the live API. */
  sandbox: Sandbox | undefined;
  mchid: string;
  /** An appid for orders: WECHATPAY_APPID, or the documented example one on the sandbox. */
  appid: string;
  close(): Promise<void>;
}

const env = (name: string): string | undefined => process.env[name] || undefined;
const fileUrl = (path: string): string => (path.startsWith('file://') ? path : pathToFileURL(resolve(path)).href);

function required(name: string): string {
  const value = env(name);
  if (!value) throw new Error(`${name} is not set: the live API needs WECHATPAY_MCHID, WECHATPAY_SERIAL, WECHATPAY_PRIVATE_KEY and a platform key (see examples/README.md)`);
  return value;
}

/** `WECHATPAY_CERTS=SERIAL=/path/cert.pem,PUB_KEY_ID_...=/path/pub_key.pem`, or the two PUBLIC_KEY variables. */
function liveCerts(): Record<string, string> {
  const certs: Record<string, string> = {};
  for (const pair of (env('WECHATPAY_CERTS') ?? '').split(',').filter(Boolean)) {
    const [id, path] = pair.split('=');
    if (id && path) certs[id.trim()] = fileUrl(path.trim());
  }
  const publicKeyId = env('WECHATPAY_PUBLIC_KEY_ID');
  if (publicKeyId) certs[publicKeyId] = fileUrl(required('WECHATPAY_PUBLIC_KEY'));
  if (Object.keys(certs).length === 0) required('WECHATPAY_PUBLIC_KEY_ID');
  return certs;
}

/** The client of the examples; `extra` adds settings such as `hooks` (examples/logging.ts). */
export async function setting(extra: Partial<ClientConfig> = {}): Promise<Setting> {
  if (env('WECHATPAY_MCHID')) {
    const config: ClientConfig = {
      mchid: required('WECHATPAY_MCHID'),
      serial: required('WECHATPAY_SERIAL'),
      privateKey: fileUrl(required('WECHATPAY_PRIVATE_KEY')),
      certs: liveCerts(),
      ...(env('WECHATPAY_APIV3_KEY') ? { apiv3Key: env('WECHATPAY_APIV3_KEY') } : {}),
      ...(env('WECHATPAY_SECRET') ? { secret: env('WECHATPAY_SECRET') } : {}),
      ...(env('WECHATPAY_BASE_URL') ? { baseURL: env('WECHATPAY_BASE_URL') } : {}),
    };
    console.log(`live API ${config.baseURL ?? 'https://api.mch.weixin.qq.com/'} as merchant ${config.mchid}`);
    return { client: Builder.factory({ ...config, ...extra }), sandbox: undefined, mchid: config.mchid, appid: required('WECHATPAY_APPID'), close: async () => undefined };
  }
  const sandbox = await startSandbox();
  console.log(`embedded sandbox on ${sandbox.baseURL} as merchant ${sandbox.config.mchid} (set WECHATPAY_* for the live API)`);
  return {
    client: Builder.factory({ ...sandbox.config, ...extra }),
    sandbox,
    mchid: sandbox.config.mchid,
    appid: env('WECHATPAY_APPID') ?? 'wxd678efh567hg6787',
    close: () => sandbox.close(),
  };
}

/** Runs an example: its errors are printed and make the exit code 1. */
export function run(example: (setting: Setting) => Promise<void>, extra: Partial<ClientConfig> = {}): void {
  void (async () => {
    const where = await setting(extra);
    try {
      await example(where);
    } finally {
      await where.close();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/** A merchant order number that is new on every run. */
export function outTradeNo(prefix = 'EXAMPLE'): string {
  return `${prefix}${Date.now()}${Math.floor(Math.random() * 1000)}`;
}
