/**
 * Every call sample in docs/api (built from the documented example values) type-checks against the
 * generated types, in the chain, chain() and bracket styles: the docs and the types cannot drift apart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { openapiDir } from '../../scripts/codegen/data-dir.js';
import { loadSource } from '../../scripts/codegen/load.js';
import { buildModel } from '../../scripts/codegen/model.js';
import { buildTree, chainExpression, walk } from '../../scripts/codegen/tree.js';
import { sampleCall, sinkCall } from '../../scripts/codegen/emit-docs.js';

const root = join(__dirname, '..', '..');

describe('the docs call samples', () => {
  it('type-check for all endpoints in every style', () => {
    const tree = buildTree(buildModel(loadSource(openapiDir(root))).endpoints);
    const dir = mkdtempSync(join(tmpdir(), 'wechatpay-samples-'));
    try {
      const types = relative(dir, join(root, 'lib', 'types.js')).split('\\').join('/');
      const index = relative(dir, join(root, 'lib', 'index.js')).split('\\').join('/');
      // The client users get from Builder.factory: the typed chain plus encrypt(), decrypt(), payParams...
      let source = `import type { V2Media } from '${types}';\nimport type { Client } from '${index}';\ndeclare const client: Client;\ndeclare const media: V2Media;\n`;
      let count = 0;
      for (const node of walk(tree)) {
        for (const endpoint of node.endpoints) {
          const targets = [chainExpression(node), `client.chain('${endpoint.template}')`, `client['${endpoint.template}']`];
          for (const target of targets) {
            if (!target) continue;
            source += `export async function f${count++}(): Promise<void> {\n${sampleCall(endpoint, target, count % 2 ? 'await' : 'then')}\n}\n`;
            const sink = sinkCall(endpoint, target);
            if (sink) source += `export async function f${count++}(): Promise<void> {\n${sink}\n  const written: string = path;\n  void written;\n}\n`;
          }
        }
      }
      const file = join(dir, 'samples.ts');
      writeFileSync(file, source);
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
      const program = ts.createProgram([file], { ...config.options, typeRoots: [join(root, 'node_modules', '@types')] });
      const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
      const messages = diagnostics.slice(0, 20).map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 300)}`;
      });
      expect(count).toBeGreaterThan(3400);
      expect(messages).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
