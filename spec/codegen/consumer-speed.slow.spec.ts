/**
 * Editor-grade cost: a consumer file using the seed endpoint and ten others type-checks alone with tsc.
 * Measured on the 2-core CI machine: about 2 s and 170-200 MB of heap. The budgets below are what a
 * regression in the generated types (an accidental deep union, a type computed per endpoint) would break:
 * 450 MB of heap (tsc's own count, steady across machines) and 20 s of wall time (a machine loaded by the rest of the suite).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const HEAP_BUDGET_KB = 450 * 1024;
const WALL_BUDGET_MS = 20_000;

interface Measure {
  ms: number;
  memoryKB: number;
  checkSeconds: number;
  files: number;
}

function measure(project: string): Measure {
  const started = performance.now();
  const out = execFileSync(process.execPath, [tsc, '-p', project, '--extendedDiagnostics'], { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - started;
  const value = (name: string): number => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(out)?.[1] ?? NaN);
  return { ms, memoryKB: value('Memory used'), checkSeconds: value('Check time'), files: value('Files') };
}

describe('consumer type-check speed', () => {
  it('checks spec/fixtures/consumers/seed-and-ten.ts fast and lean', () => {
    const m = measure('spec/fixtures/consumers/tsconfig.json');
    console.log(
      `consumer (seed + 10 endpoints, types from source): ${Math.round(m.ms)} ms wall, ` +
        `${Math.round(m.memoryKB / 1024)} MB heap, check ${m.checkSeconds} s, ${m.files} files`,
    );
    expect(m.files).toBeGreaterThan(0);
    expect(m.ms).toBeLessThan(WALL_BUDGET_MS);
    expect(m.memoryKB).toBeLessThan(HEAP_BUDGET_KB);
  }, 60_000);

  // What a package consumer gets: the built declarations (skipLibCheck), built here when missing.
  it('checks the same file against the built declarations (dist/)', () => {
    const dts = join(root, 'dist', 'types', 'types.d.ts');
    if (!existsSync(dts)) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'ignore' });
    expect(readFileSync(dts, 'utf8')).toContain('Paths');
    const dir = mkdtempSync(join(tmpdir(), 'wechatpay-consumer-'));
    try {
      const fixture = readFileSync(join(root, 'spec', 'fixtures', 'consumers', 'seed-and-ten.ts'), 'utf8');
      writeFileSync(join(dir, 'consumer.ts'), fixture.replace("'../../../lib/types.js'", `'${join(root, 'dist', 'types', 'types.js')}'`));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
          skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }));
      const m = measure(join(dir, 'tsconfig.json'));
      console.log(`consumer (seed + 10 endpoints, built .d.ts): ${Math.round(m.ms)} ms wall, ${Math.round(m.memoryKB / 1024)} MB heap, check ${m.checkSeconds} s`);
      expect(m.ms).toBeLessThan(WALL_BUDGET_MS);
      expect(m.memoryKB).toBeLessThan(HEAP_BUDGET_KB);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
