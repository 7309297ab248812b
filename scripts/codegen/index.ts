/**
 * `npm run codegen`: generates lib/generated/ (types and the runtime route table) and docs/api/ from the
 * WeChat Pay API description. `npm run codegen:check`: generates into a temporary folder and fails when
 * the committed output differs.
 *
 * Options: --data <dir> (default scripts/codegen/openapi, the copy kept in the repository, or $WECHATPAY_OPENAPI_DIR), --check.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openapiDir } from './data-dir.js';
import { generate, type GeneratedFile } from './generate.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, base = ''): string[] {
  if (!existsSync(join(dir, base))) return [];
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Writes the output roots (each emptied first, so stale files disappear). */
function write(files: readonly GeneratedFile[], into: string): void {
  for (const root of new Set(files.map((f) => f.root))) rmSync(join(into, root), { recursive: true, force: true });
  for (const file of files) {
    const target = join(into, file.root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

function main(): number {
  let data: string;
  try {
    data = openapiDir(repo, argValue('--data') ?? process.env['WECHATPAY_OPENAPI_DIR']);
  } catch (error) {
    console.error(`codegen: ${(error as Error).message}`);
    return 2;
  }
  const started = Date.now();
  const { files, summary } = generate(data);
  if (!process.argv.includes('--check')) {
    write(files, repo);
    console.log(`codegen: ${files.length} files in ${Date.now() - started} ms; ${summary}`);
    return 0;
  }
  const temp = mkdtempSync(join(tmpdir(), 'wechatpay-codegen-'));
  try {
    write(files, temp);
    const drift: string[] = [];
    for (const root of [...new Set(files.map((f) => f.root))].sort()) {
      const expected = listFiles(join(temp, root));
      const actual = listFiles(join(repo, root));
      for (const file of new Set([...expected, ...actual])) {
        const a = join(repo, root, file);
        const b = join(temp, root, file);
        if (!existsSync(a)) drift.push(`missing   ${root}/${file}`);
        else if (!existsSync(b)) drift.push(`stale     ${root}/${file}`);
        else if (!readFileSync(a).equals(readFileSync(b))) drift.push(`differs   ${root}/${file}`);
      }
    }
    if (drift.length > 0) {
      console.error(`codegen:check: the committed generated output is out of date (${drift.length} file(s)):`);
      for (const line of drift.slice(0, 50)) console.error(`  ${line}`);
      if (drift.length > 50) console.error(`  ... and ${drift.length - 50} more`);
      console.error('Run `npm run codegen` and commit the result (never edit generated files by hand).');
      return 1;
    }
    console.log(`codegen:check: ${files.length} generated files match (${relative(repo, data) || data}); ${summary}`);
    return 0;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

process.exitCode = main();
