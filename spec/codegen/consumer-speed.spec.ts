/**
 * Editor-grade speed: a consumer file using the seed endpoint and ten others type-checks alone with tsc
 * in well under 5 s and 1 GB. The numbers are printed; the limits asserted are generous (CI machines
 * vary), so this reports rather than flakes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

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
    // The goal is < 5 s and < 1 GB; assert 6x / 2x headroom against slow CI machines.
    expect(m.ms).toBeLessThan(30_000);
    expect(m.memoryKB).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);

  // What a package consumer gets: the built declarations (skipLibCheck). Needs `npm run build` first.
  const dts = join(root, 'dist', 'esm', 'types.d.ts');
  const built = existsSync(dts) && readFileSync(dts, 'utf8').includes('Paths');
  (built ? it : it.skip)('checks the same file against the built declarations (dist/)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wechatpay-consumer-'));
    try {
      const fixture = readFileSync(join(root, 'spec', 'fixtures', 'consumers', 'seed-and-ten.ts'), 'utf8');
      writeFileSync(join(dir, 'consumer.ts'), fixture.replace("'../../../lib/types.js'", `'${join(root, 'dist', 'esm', 'types.js')}'`));
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
      expect(m.ms).toBeLessThan(30_000);
      expect(m.memoryKB).toBeLessThan(2 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
