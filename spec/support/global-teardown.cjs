// jest's global teardown: removes the run's sandbox identities (spec/support/identity-template.ts).
const { readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = function globalTeardown() {
  const prefix = `wechatpay-spec-identity-${process.env.SPEC_RUN_ID}-`;
  if (!process.env.SPEC_RUN_ID) return;
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(prefix)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
};
