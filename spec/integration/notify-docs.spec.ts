/**
 * docs/notifications.md shows each framework's mounting code as it is in examples/notify-*.ts (between
 * `// #region <name>` and `// #endregion`), the code the notify-*.spec.ts suites start: the docs cannot drift.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const docs = readFileSync(join(root, 'docs', 'notifications.md'), 'utf8');
const regions = readdirSync(join(root, 'examples')).filter((name) => /^notify-.*\.ts$/.test(name)).flatMap((name) => {
  const source = readFileSync(join(root, 'examples', name), 'utf8');
  return [...source.matchAll(/\/\/ #region (\w+)\n([\s\S]*?)\/\/ #endregion\n/g)].map((match) => [`${name}#${match[1]}`, match[2]!] as const);
});

describe('docs/notifications.md', () => {
  it('has a region for every framework', () => {
    expect(regions.map(([name]) => name.split('#')[1]).sort()).toEqual(['express', 'fastify', 'hono', 'koa', 'next', 'node']);
  });

  it.each(regions)('shows %s verbatim, as a TypeScript block', (_name, code) => {
    expect(docs).toContain(`\`\`\`ts\n${code}\`\`\``);
  });
});
