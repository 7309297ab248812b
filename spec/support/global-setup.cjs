// jest's global setup: names the run, for the per-worker sandbox identities of spec/support/identity-template.ts.
module.exports = function globalSetup() {
  process.env.SPEC_RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
};
