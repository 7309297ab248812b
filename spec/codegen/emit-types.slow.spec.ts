/**
 * The type emitter on a small synthetic model, compiled with tsc: the cases the data has few or no
 * instances of (a child named like a verb beside that verb, two variables given directly).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { TypeEmitter } from '../../scripts/codegen/emit-types.js';
import type { Endpoint, Method, Schema } from '../../scripts/codegen/model.js';
import { buildTree } from '../../scripts/codegen/tree.js';

const root = join(__dirname, '..', '..');

function endpoint(method: Method, template: string, extra: Partial<Endpoint> = {}): Endpoint {
  const vars = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  return {
    template, path: `/${template}`, method, area: 'v3', file: `${template}.yaml`, summary: `${method} ${template}`, tags: [], roles: [], deprecated: false,
    consumes: [], produces: [], multipart: false, certRequired: false,
    parameters: { path: vars.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })), query: [], header: [], formData: [] },
    response: { status: 204, kind: 'empty' },
    ...extra,
  };
}

const body = (schema: Schema): Endpoint['body'] => ({ required: true, schema });

function check(endpoints: Endpoint[], test: string): string[] {
  const emitter = new TypeEmitter(buildTree(endpoints));
  const dir = mkdtempSync(join(tmpdir(), 'wechatpay-emit-'));
  try {
    mkdirSync(join(dir, 'lib', 'generated'), { recursive: true });
    mkdirSync(join(dir, 'lib', 'core'), { recursive: true });
    for (const f of emitter.emit('')) writeFileSync(join(dir, 'lib', 'generated', f.path), f.content);
    // The public types and the base types the generated ones are written in (with what those import).
    for (const file of ['types.ts', 'core/endpoint-types.ts', 'util/media.ts', 'errors.ts']) {
      mkdirSync(join(dir, 'lib', file, '..'), { recursive: true });
      copyFileSync(join(root, 'lib', file), join(dir, 'lib', file));
    }
    writeFileSync(join(dir, 'test.ts'), `import type { WechatpayClient } from './lib/types.js';\ndeclare const client: WechatpayClient;\n${test}`);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const program = ts.createProgram([join(dir, 'test.ts')], {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const at = d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${at} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 200)}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TypeEmitter', () => {
  const model = [
    endpoint('delete', 'v3/things/{thing_id}'),
    endpoint('post', 'v3/things/{thing_id}/delete', { body: body({ type: 'object', required: ['why'], properties: { why: { type: 'string' } } }) }),
    endpoint('get', 'v3/shops/{shop_id}/staff/{staff_id}', { response: { status: 200, kind: 'json', schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }),
    endpoint('post', 'v3/a/{x}/b/{y}/go/'),
  ];

  it('types a child named like a verb beside that verb: both the call and the child', async () => {
    const errors = check(model, [
      "void client.v3.things._thing_id_.delete({ thing_id: '1' });",
      "void client.v3.things._thing_id_.delete.post({ thing_id: '1', json: { why: 'dup' } });",
      "void client.v3.things._thing_id_.deleteAsync({ thing_id: '1' });",
      "void client.chain('v3/things/{thing_id}/delete').postAsync({ thing_id: '1', json: { why: 'dup' } });",
      "void client.v3.things['1']!.delete();",
      '',
    ].join('\n'));
    expect(errors).toEqual([]);
  });

  it('rejects what the synthetic data rules out', () => {
    const errors = check(model, [
      "void client.v3.things._thing_id_.delete.post({ thing_id: '1', json: { why: 1 } });",
      "void client.v3.things._thing_id_.delete.post({ json: { why: 'dup' } });",
      "void client.v3.things._thing_id_.put({ thing_id: '1' });",
      '',
    ].join('\n'));
    expect(errors.map((e) => e.split(' ')[0])).toEqual(['test.ts:3', 'test.ts:4', 'test.ts:5']);
  });

  it('drops each variable given directly from the options, one level at a time', () => {
    const errors = check(model, [
      "const a = client.v3.shops['s1']!.staff['u1']!;",
      'void a.get().then(({ data }) => data.name.length);',
      "void client.v3.shops['s1']!.staff._staff_id_.get({ staff_id: 'u1' });",
      "void client.v3.shops._shop_id_.staff['u1']!.get({ shop_id: 's1' });",
      "void client.v3.a._x_.b._y_.go._empty_.post({ x: '1', y: '2' });",
      "void client.chain('v3/a/{x}/b/{y}/go/').post({ x: '1', y: '2' });",
      '',
    ].join('\n'));
    expect(errors).toEqual([]);
    const wrong = check(model, "void client.v3.shops['s1']!.staff['u1']!.get({ shop_id: 's1' });\n");
    expect(wrong.map((e) => e.split(' ')[1])).toEqual(['TS2353:']);
  });
});
