/**
 * `npm run docs:links`: every relative link and `#anchor` of README.md, examples/README.md and docs/**\/*.md,
 * and every `docs/<file>.md#<anchor>` cited in lib/, spec/ and scripts/, must resolve the way GitHub renders
 * Markdown (scripts/links.ts). Prints how many were checked and each broken one; exits 1 if any is broken.
 *
 * Options: --root <dir> (default: this repository).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLinks } from './links.js';

function main(): number {
  const at = process.argv.indexOf('--root');
  const root = at === -1 ? resolve(dirname(fileURLToPath(import.meta.url)), '..') : resolve(process.argv[at + 1] ?? '.');
  const started = Date.now();
  const report = checkLinks({ root });
  for (const b of report.broken) console.error(`${b.file}:${b.line}: ${b.link} -> ${b.reason}`);
  const n = (x: number): string => x.toLocaleString('en-US');
  console.log(`docs:links: ${n(report.checked)} links checked (${n(report.markdownFiles)} Markdown files, ${n(report.sourceFiles)} source files; ` +
    `${n(report.external)} external links not fetched) in ${Date.now() - started} ms: ${report.broken.length} broken`);
  return report.broken.length === 0 ? 0 : 1;
}

process.exitCode = main();
