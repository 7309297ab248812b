// The CommonJS face of the installed package's types (node16/nodenext: a .cts file's imports are require calls,
// resolved with the "require" condition). Type-checked by .ci/consumer/run.mjs.
import { Builder, VerificationError, type ClientConfig } from 'wechatpay-chain';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS form is what this file checks
import sandboxEntry = require('wechatpay-chain/sandbox');

export async function consumeFromCommonJs(): Promise<string> {
  const sandbox = await sandboxEntry.startSandbox();
  const config: ClientConfig = sandbox.config;
  try {
    const { data } = await Builder.factory(config).v3.certificates.get();
    // @ts-expect-error a misspelt answer field
    void data.dta;
    return data.data?.[0]?.serial_no ?? '';
  } catch (error) {
    return error instanceof VerificationError ? error.code : 'other';
  } finally {
    await sandbox.close();
  }
}
