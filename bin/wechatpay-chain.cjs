#!/usr/bin/env node
// The `wechatpay-chain` and `wechatpay` commands: runs the built CLI (dist/cjs/cli/index.js, from lib/cli).
//
// The bin is a file of the repository rather than of dist/ so that npm can link it whatever the state of a
// checkout: `npx wechatpay-chain` in a checkout links the package's own bins into npm's npx cache once per
// folder, and a bin whose file did not exist yet at that moment (say, before the first build) would never be
// linked there, leaving `sh: wechatpay-chain: not found` for good.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cjs', 'cli', 'index.js');
if (!existsSync(cli)) {
  console.error(`wechatpay-chain: ${cli} is missing: this checkout is not built yet. Run \`npm install\` (or \`npm run build\`) in it first.`);
  process.exit(1);
}
require(cli);
