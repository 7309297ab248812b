/**
 * Every `// @ts-expect-error TSnnnn` line in spec/types/ must fail for the reason it names: the files are
 * compiled with the directives disabled, and each directive's next line must carry errors with exactly
 * the listed codes (`TS2339|TS2551` = either), while no other line may carry any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const dir = join(root, 'spec', 'types');
const DIRECTIVE = /\/\/ @ts-expect-error(?:\s+(TS\d+(?:\|TS\d+)*))?/;

interface Expectation {
  file: string;
  /** 1-based line the directive guards. */
  line: number;
  codes: number[];
}

function compile(): { expectations: Expectation[]; errors: Map<string, number[]> } {
  const files = readdirSync(dir).filter((f) => /\.tsx?$/.test(f)).map((f) => join(dir, f));
  const expectations: Expectation[] = [];
  const patched = new Map<string, string>();
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      const m = DIRECTIVE.exec(text);
      if (!m) return;
      expectations.push({ file, line: i + 2, codes: (m[1] ?? '').split('|').filter(Boolean).map((c) => Number(c.slice(2))) });
      lines[i] = text.replace('@ts-expect-error', 'expect-error');
    });
    patched.set(file, lines.join('\n'));
  }
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => patched.get(name) ?? readFile(name);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError) => {
    const text = patched.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, onError);
  };
  const program = ts.createProgram(files, config.options, host);
  const errors = new Map<string, number[]>();
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
      const key = `${file}:${line}`;
      errors.set(key, [...(errors.get(key) ?? []), d.code]);
    }
  }
  return { expectations, errors };
}

describe('type tests (spec/types)', () => {
  const { expectations, errors } = compile();

  it('has negative cases, each naming the error it stands for', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(80);
    expect(expectations.filter((e) => e.codes.length === 0)).toEqual([]);
  });

  it('fails every @ts-expect-error line for the reason it names, and no other line', () => {
    const wrong: string[] = [];
    const expected = new Set<string>();
    for (const e of expectations) {
      const key = `${e.file}:${e.line}`;
      expected.add(key);
      const got = errors.get(key) ?? [];
      if (got.length === 0) wrong.push(`${key}: no error (expected TS${e.codes.join('|TS')})`);
      else if (got.some((c) => !e.codes.includes(c))) wrong.push(`${key}: TS${got.join(', TS')} (expected TS${e.codes.join('|TS')})`);
    }
    for (const [key, codes] of errors) if (!expected.has(key)) wrong.push(`${key}: unexpected TS${codes.join(', TS')}`);
    expect(wrong).toEqual([]);
  });
});
