/**
 * scripts/check-links.ts (`npm run docs:links`), run as CI runs it, on a fixture repository: GitHub's anchors
 * (heading slugs, `-1` for a repeated heading, `<a id>` / `<a name>`), not `{#id}` attributes; relative files
 * (percent-encoded names included); citations in source comments.
 *
 * The fixture writes `.MD` where it means `.md`, so that this file holds no `docs/...md#...` citation of its own
 * for the real run to trip over.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

const README = `# Fixture

## Usage

## Usage

## Title {#custom}

## <a id="explicit"></a>Anchored

<a name="named"></a>

## \`code()\` & more

- [a file](docs/guide.MD)
- [a heading there](docs/guide.MD#second-part)
- [same file](#usage)
- [the repeated heading](#usage-1)
- [the slug of a heading with an attribute](#title-custom)
- [an explicit anchor](#explicit)
- [a named anchor](#named)
- [code in a heading](#code--more)
- [a percent-encoded name](docs/%7Bempty%7D.MD)
- [a folder](docs/)
- [a line of a source file](lib/a.ts#L1)
- [elsewhere](https://example.com/nowhere#x)

| table | link |
| --- | --- |
| cell | [in a table](docs/guide.MD#guide) |
`;

const BROKEN = `
- [broken file](docs/missing.MD)
- [broken anchor](docs/guide.MD#no-such-heading)
- [an attribute GitHub ignores](#custom)
- [outside](../outside.MD)
`;

const GUIDE = '# Guide\n\n## Second part\n\n[back](../README.MD#fixture) and <a href="../README.MD#named">html</a>\n';

function fixture(readme: string, citation: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wechatpay-links-'));
  const files: Record<string, string> = {
    'README.md': readme,
    'docs/guide.md': GUIDE,
    'docs/{empty}.md': '# Trailing slash\n',
    'lib/a.ts': `// see docs/guide.MD#second-part\nexport const a = 1; // ${citation}\n`,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text.replace(/\.MD\b/g, '.md'));
  }
  return dir;
}

function run(dir: string): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(tsx, [join(root, 'scripts', 'check-links.ts'), '--root', dir], { encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run docs:links', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('accepts the links GitHub resolves', () => {
    const dir = fixture(README, 'docs/guide.MD#guide');
    dirs.push(dir);
    const { status, stdout, stderr } = run(dir);
    expect(stderr).toBe('');
    // 12 in README.md, 2 in the guide, 2 citations in lib/a.ts; the https link is not fetched.
    expect(stdout).toMatch(/^docs:links: 16 links checked \(3 Markdown files, 1 source files; 1 external links not fetched\) in \d+ ms: 0 broken$/m);
    expect(status).toBe(0);
  }, 30_000);

  it('reports a missing file, a missing anchor, a {#id}-only anchor, a path outside the repository and a stale citation', () => {
    const dir = fixture(README + BROKEN + '\n<a href="docs/guide.MD#nope">html link</a>\n', 'docs/guide.MD#gone');
    dirs.push(dir);
    const { status, stdout, stderr } = run(dir);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^README\.md:32: docs\/missing\.md -> docs\/missing\.md does not exist$/),
      expect.stringMatching(/^README\.md:33: docs\/guide\.md#no-such-heading -> no heading or <a id> makes the anchor #no-such-heading in docs\/guide\.md$/),
      expect.stringMatching(/^README\.md:34: #custom -> no heading or <a id> makes the anchor #custom in README\.md \(anchors there: #title-custom\)$/),
      expect.stringMatching(/^README\.md:35: \.\.\/outside\.md -> \.\.\/outside\.md is outside the repository$/),
      expect.stringMatching(/^README\.md:37: docs\/guide\.md#nope -> no heading or <a id> makes the anchor #nope in docs\/guide\.md$/),
      expect.stringMatching(/^lib\/a\.ts:2: docs\/guide\.md#gone -> no heading or <a id> makes the anchor #gone in docs\/guide\.md$/),
    ]);
    expect(stdout).toMatch(/: 6 broken$/m);
    expect(status).toBe(1);
  }, 30_000);
});
