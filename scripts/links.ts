/**
 * The link checker behind `npm run docs:links` (scripts/check-links.ts): relative links and `#anchors` in the
 * repository's Markdown, resolved the way GitHub renders Markdown, and the `docs/<file>.md#anchor` citations in
 * source comments and spec titles.
 *
 * Markdown is read with marked's lexer; anchors are GitHub's: each heading's rendered text through
 * github-slugger (one slugger per file, so repeated headings get `-1`, `-2`), plus explicit `<a id>` /
 * `<a name>` elements. A `{#id}` heading attribute is not an anchor on GitHub (it stays in the heading text
 * and in its slug), so it is not one here either.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import GithubSlugger from 'github-slugger';

export interface BrokenLink {
  /** The file the link is in, relative to the root, `/`-separated. */
  file: string;
  line: number;
  /** The link as written. */
  link: string;
  reason: string;
}

export interface LinkReport {
  /** Relative links, anchors and source citations checked. */
  checked: number;
  /** Links to other sites (http:, mailto:...): counted, not fetched. */
  external: number;
  markdownFiles: number;
  sourceFiles: number;
  broken: BrokenLink[];
}

export interface LinkCheckOptions {
  /** The repository root. */
  root: string;
  /** Markdown files, relative to the root; default: README.md, examples/README.md and docs/**\/*.md. */
  markdown?: string[];
  /** Folders whose source files are searched for `docs/<file>.md#<anchor>` citations; default lib, spec, scripts. */
  sourceDirs?: string[];
}

const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', '.git', '.sandbox']);
/** A citation of a documentation heading in source: `docs/protocol.md#apiv3-request-signing`. */
const CITATION = /\bdocs\/[\w./-]+\.md#[\w%-]+/g;
/** `<a id="x">`, `<a name='x'>`: the explicit anchors GitHub keeps. */
const HTML_ANCHOR = /<a\s[^>]*?\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
/** `<a href>` and `<img src>` in raw HTML: links too. */
const HTML_LINK = /<(?:a\s[^>]*?\bhref|img\s[^>]*?\bsrc)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const toPosix = (path: string): string => path.split(sep).join('/');

function walkFiles(dir: string, accept: (name: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walkFiles(join(dir, entry.name), accept, out);
    } else if (accept(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** The Markdown files GitHub visitors read: the README, the examples' README and everything under docs/. */
export function defaultMarkdown(root: string): string[] {
  const files = ['README.md', 'examples/README.md'].filter((f) => existsSync(join(root, f)));
  const docs = walkFiles(join(root, 'docs'), (name) => name.endsWith('.md')).map((f) => toPosix(relative(root, f)));
  return [...files, ...docs.sort()];
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number.parseInt(dec, 10)))
    .replace(/&(quot|apos|lt|gt|nbsp|amp);/g, (_, name: string) => ({ quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0', amp: '&' })[name]!);
}

/** A heading's text as GitHub renders it (its textContent): markup and HTML tags dropped, images without text. */
function plainText(tokens: readonly Token[] | undefined): string {
  let out = '';
  for (const token of tokens ?? []) {
    switch (token.type) {
      case 'html':
      case 'image':
      case 'br':
        break;
      case 'codespan':
      case 'escape':
        out += token.text;
        break;
      default: {
        const inner = (token as { tokens?: Token[] }).tokens;
        out += inner ? plainText(inner) : decodeEntities((token as { text?: string }).text ?? '');
      }
    }
  }
  return out;
}

function capture(match: RegExpMatchArray): string {
  return match[1] ?? match[2] ?? match[3] ?? '';
}

interface FoundLink {
  href: string;
  line: number;
}

interface Parsed {
  anchors: Set<string>;
  links: FoundLink[];
}

/** Every token below `token`, with the inline tokens of tables and lists. */
function children(token: Token): Token[] {
  const out: Token[] = [];
  if (token.type === 'table') {
    const table = token as Tokens.Table;
    for (const cell of table.header) out.push(...cell.tokens);
    for (const row of table.rows) for (const cell of row) out.push(...cell.tokens);
  } else if (token.type === 'list') {
    out.push(...(token as Tokens.List).items);
  } else {
    out.push(...((token as { tokens?: Token[] }).tokens ?? []));
  }
  return out;
}

/** The anchors and links of one Markdown source. */
export function parseMarkdown(source: string): Parsed {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const links: FoundLink[] = [];
  let offset = 0;
  const lineAt = (index: number): number => source.slice(0, index).split('\n').length;

  for (const block of marked.lexer(source, { gfm: true })) {
    const start = source.indexOf(block.raw, offset);
    const base = start === -1 ? offset : start;
    let cursor = 0;
    const locate = (raw: string): number => {
      const at = block.raw.indexOf(raw, cursor);
      if (at === -1) return lineAt(base);
      cursor = at + raw.length;
      return lineAt(base + at);
    };
    const visit = (token: Token): void => {
      if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
      if (token.type === 'link' || token.type === 'image') {
        const href = (token as Tokens.Link).href;
        links.push({ href, line: locate(token.raw) });
      }
      if (token.type === 'html') {
        for (const match of token.raw.matchAll(HTML_ANCHOR)) anchors.add(decodeEntities(capture(match)));
        for (const match of token.raw.matchAll(HTML_LINK)) links.push({ href: decodeEntities(capture(match)), line: locate(match[0]) });
      }
      for (const child of children(token)) visit(child);
    };
    visit(block);
    if (start !== -1) offset = start + block.raw.length;
  }
  return { anchors, links };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Checks the links of the given Markdown files and the citations in the given source folders. */
export function checkLinks(options: LinkCheckOptions): LinkReport {
  const root = resolve(options.root);
  const markdown = options.markdown ?? defaultMarkdown(root);
  const parsed = new Map<string, Parsed>();
  const parse = (absolute: string): Parsed => {
    let entry = parsed.get(absolute);
    if (!entry) {
      entry = parseMarkdown(readFileSync(absolute, 'utf8'));
      parsed.set(absolute, entry);
    }
    return entry;
  };
  const report: LinkReport = { checked: 0, external: 0, markdownFiles: markdown.length, sourceFiles: 0, broken: [] };

  /** Why `target#fragment`, seen from `from`, does not resolve (undefined: it does). */
  const problem = (fromFile: string, target: string, fragment: string | undefined): string | undefined => {
    let absolute = fromFile;
    if (target !== '') {
      const path = safeDecode(target);
      absolute = path.startsWith('/') ? join(root, path) : resolve(dirname(fromFile), path);
      const inside = relative(root, absolute);
      if (inside.startsWith('..') || resolve(root, inside) !== absolute) return `${path} is outside the repository`;
      if (!existsSync(absolute)) return `${toPosix(inside) || '.'} does not exist`;
    }
    if (fragment === undefined || fragment === '') return undefined;
    if (statSync(absolute).isDirectory()) return `${toPosix(relative(root, absolute))} is a folder: it has no #${fragment}`;
    if (extname(absolute).toLowerCase() !== '.md') {
      // GitHub's line anchors in source views.
      return /^L\d+(-L\d+)?$/.test(fragment) ? undefined : `#${fragment} on a file that is not Markdown`;
    }
    const anchor = safeDecode(fragment);
    if (parse(absolute).anchors.has(anchor)) return undefined;
    const where = toPosix(relative(root, absolute));
    const near = [...parse(absolute).anchors].filter((a) => a.endsWith(`-${anchor}`) || a.includes(anchor)).slice(0, 3);
    return `no heading or <a id> makes the anchor #${anchor} in ${where}${near.length ? ` (anchors there: ${near.map((a) => `#${a}`).join(', ')})` : ''}`;
  };

  for (const file of markdown) {
    const absolute = join(root, file);
    for (const { href, line } of parse(absolute).links) {
      if (href.startsWith('//') || SCHEME.test(href)) {
        report.external += 1;
        continue;
      }
      report.checked += 1;
      const hash = href.indexOf('#');
      const target = (hash === -1 ? href : href.slice(0, hash)).replace(/\?.*$/, '');
      const fragment = hash === -1 ? undefined : href.slice(hash + 1);
      const why = problem(absolute, target, fragment);
      if (why) report.broken.push({ file, line, link: href, reason: why });
    }
  }

  const sources = (options.sourceDirs ?? ['lib', 'spec', 'scripts'])
    .flatMap((dir) => walkFiles(join(root, dir), (name) => SOURCE_EXTENSIONS.has(extname(name)) && !name.endsWith('.d.ts')))
    .sort();
  report.sourceFiles = sources.length;
  for (const absolute of sources) {
    const text = readFileSync(absolute, 'utf8');
    const file = toPosix(relative(root, absolute));
    for (const match of text.matchAll(CITATION)) {
      report.checked += 1;
      const [path, fragment] = match[0].split('#') as [string, string];
      const why = problem(join(root, 'README.md'), path, fragment);
      if (why) report.broken.push({ file, line: text.slice(0, match.index).split('\n').length, link: match[0], reason: why });
    }
  }
  return report;
}
