// Pathological posts (issue 9): generated bodies built to make Markdown parsing or HTML sanitizing super-linear,
// each at sizes up to maxPostBytes (10 MiB). Every case runs in a fresh child process, which times parsePost +
// toFeedItem and measures its peak RSS above the RSS it had just before parsing (the input already built).
// Prints each case and the worst figures. Goal: every post under 2 s and under 256 MB above the baseline.
// Usage: tsx bench/pathological.ts [--only NAME-PART] [size in MiB...] — defaults to 1 and 10 MiB. Child: tsx bench/pathological.ts --case NAME BYTES
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../lib/config.ts';
import { LIMITS } from '../lib/post/bounds.ts';
import { parsePost } from '../lib/post/parse.ts';
import { toFeedItem } from '../lib/post/render.ts';

const MiB = 1024 * 1024;
/** A child that runs longer than this is stopped and reported as such. */
const TIMEOUT_MS = 60_000;
const GOAL_SECONDS = 2;
const GOAL_MB = 256;

/** `unit` repeated to fill `bytes` (UTF-8; every generator below writes ASCII only unless noted). */
const fill = (unit: string, bytes: number) => unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit))));
/** Lines from `line(i)` until `bytes` are used. */
function lines(bytes: number, line: (i: number) => string): string {
  const parts: string[] = [];
  let used = 0;
  for (let i = 0; ; i++) {
    const next = `${line(i)}\n`;
    if (used + next.length > bytes) break;
    parts.push(next);
    used += next.length;
  }
  return parts.join('');
}
function wideTable(columns: number, bytes: number): string {
  const header = `|${' h |'.repeat(columns)}\n|${'---|'.repeat(columns)}\n`;
  return header + lines(bytes - header.length, () => `|${' c |'.repeat(columns)}`);
}

const CASES: Record<string, (bytes: number) => string> = {
  'nested <b>': (n) => fill('<b>', n),
  'nested <div>': (n) => fill('<div>', n),
  'nested mixed inline': (n) => fill('<b><i><em><span><a href="x"><code>', n),
  'nested mixed block': (n) => fill('<div><section><blockquote><ul><li><table><tr><td>', n),
  'nested <b> in a paragraph': (n) => `text ${fill('<b>x', n)}`,
  'unclosed then closed': (n) => `${fill('<b><i>', n / 2)}${fill('</u>', n / 2)}`,
  'open and close deep': (n) => `${fill('<span>', n / 4)}${fill('<b></b>', (n * 3) / 4)}`,
  'close tags only': (n) => fill('</b></div>', n),
  'flat elements': (n) => fill('<b>x</b>', n),
  'void elements': (n) => fill('<br>', n),
  comments: (n) => fill('<!-- <b> -->', n),
  'unclosed comment': (n) => `<!--${fill('<b>', n)}`,
  'unknown tags': (n) => fill('<x1>', n),
  'tag without end': (n) => `<b ${fill('a', n)}`,
  'many attributes': (n) => `<p ${fill('a="1" ', n)}>x</p>`,
  'nested blockquote line': (n) => `${fill('> ', n)}x`,
  'nested blockquote lines': (n) => lines(n, (i) => `${'> '.repeat(i % 200)}x`),
  'nested lists on a line': (n) => `${fill('- ', n)}x`,
  'nested lists indented': (n) => lines(n, (i) => `${'  '.repeat(i % 300)}- x`),
  'ordered lists on a line': (n) => `${fill('1. ', n)}x`,
  'wide table': (n) => wideTable(5000, n),
  'very wide table': (n) => wideTable(100_000, n),
  'long table': (n) => wideTable(3, n),
  'table short rows': (n) => `|${' h |'.repeat(5000)}\n|${'---|'.repeat(5000)}\n${lines(n - 40_000, () => '|c')}`,
  'emphasis *_': (n) => fill('*_', n),
  'emphasis **_': (n) => fill('**_', n),
  'emphasis openers *a': (n) => fill('*a ', n),
  'emphasis closers a*': (n) => fill('a* ', n),
  'emphasis mixed': (n) => fill('*a _b **c __d ', n),
  'strikethrough ~~': (n) => fill('~~a ', n),
  'backtick runs': (n) => Array.from({ length: Math.floor(Math.sqrt(n)) }, (_, i) => `${'`'.repeat(i + 1)}a`).join(''),
  'backticks single': (n) => fill('`a', n),
  'long line': (n) => fill('word ', n),
  'long line no spaces': (n) => fill('a', n),
  'many links': (n) => fill('[a](https://example.com/x) ', n),
  'many relative links': (n) => fill('[a](x/y) ', n),
  'many images': (n) => fill('![a](i.png) ', n),
  'many raw images': (n) => fill('<img src="i.png" srcset="a.png 1x, b.png 2x">', n),
  'brackets [': (n) => fill('[', n),
  'brackets [](': (n) => fill('[](', n),
  'link labels [a]': (n) => fill('[a]', n),
  'reference definitions': (n) => lines(n, (i) => `[r${i}]: /u${i}`),
  'reference definitions and uses': (n) => `${lines(n / 2, (i) => `[r${i}]: /u${i}`)}\n${fill('[r1] ', n / 2)}`,
  autolinks: (n) => fill('<https://example.com/a> ', n),
  'unfinished autolinks': (n) => fill('<https://', n),
  'entities named': (n) => fill('&amp;', n),
  'entities numeric': (n) => fill('&#x26;&#12;', n),
  'entities unterminated': (n) => fill('&amp', n),
  'entities in attributes': (n) => `<a title="${fill('&lt;', n)}">x</a>`,
  'srcset commas': (n) => `<img srcset="a${fill(',', n)}b,">`,
  'srcset candidates': (n) => `<img srcset="${fill('a 1x,', n)}">`,
  'srcset spaces': (n) => `<img srcset="a${fill(' ', n)}">`,
  escapes: (n) => fill('\\*', n),
  headings: (n) => fill('# h\n', n),
  'setext headings': (n) => fill('a\n=\n', n),
  'fenced code unclosed': (n) => `\`\`\`\n${fill('a\n', n)}`,
  'fences many': (n) => fill('```\n', n),
  'html blocks': (n) => fill('<div>\n\n', n),
  'lazy continuation': (n) => `> a\n${fill('b\n', n)}`,
  'hard breaks': (n) => fill('a  \n', n),
  'pseudo tags': (n) => fill('<TSLA> ', n),
  'pseudo tags unclosed': (n) => fill('<a-b <c ', n),
  'lines of <': (n) => fill('<\n', n),
  'multibyte text': (n) => fill('中文，', n),
  // Just under each limit: the most work a post can still ask for (these ignore the size).
  'nested <b> at the markup limit': () => `${'<b>'.repeat(LIMITS.depth - 2)}${'<b>x</b>'.repeat(LIMITS.markup / 4 - LIMITS.depth)}`,
  'emphasis at the markup limit': () => '*_'.repeat(LIMITS.markup / 2 - 1),
  'entities at the markup limit': () => '&amp;'.repeat(LIMITS.markup - 1),
  'headings at the block limit': () => '# h\n'.repeat(LIMITS.blockTokens / 3 - 1),
  'table at the block limit': () => wideTable(100, LIMITS.blockTokens * 1.3),
  'autolinks at the URL limit': () => '<https://example.com/a> '.repeat(LIMITS.urls),
  'srcset at the URL limit': () => `<img srcset="${'a.png 1x,'.repeat(LIMITS.urls)}">`,
  'links at the URL limit': () => '[a](https://example.com/a) '.repeat(LIMITS.urls),
};

const site = parseConfig(JSON.stringify({ title: 'Bench', baseUrl: 'https://bench.invalid/', timeZone: 'UTC' }), 'bench');
const HEADER = '---\ntitle: Pathological\ndate: 2025-01-01\n---\n';

if (process.argv[2] === '--case') {
  const name = process.argv[3]!;
  const bytes = Number(process.argv[4]);
  // Room for the few bytes some generators add around their filling.
  const file = Buffer.from(HEADER + CASES[name]!(bytes - HEADER.length - 64));
  if (file.byteLength > site.maxPostBytes) throw new Error(`${name}: ${file.byteLength} bytes, over maxPostBytes`);
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  const parsed = parsePost('bench/pathological.md', file, site);
  if (parsed.status !== 'post') throw new Error(`${name}: ${parsed.status}`);
  const item = toFeedItem(parsed.post, site);
  const seconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({ seconds, mb: Math.max(0, peak - baseline) / MiB, inputBytes: file.byteLength, outputBytes: item.html.length }),
  );
} else {
  const args = process.argv.slice(2);
  const only = args[0] === '--only' ? args.splice(0, 2)[1]! : '';
  const sizes = (args.length > 0 ? args.map(Number) : [1, 10]).map((mib) => Math.min(mib * MiB, site.maxPostBytes));
  let worstTime = { seconds: 0, label: '' };
  let worstMemory = { mb: 0, label: '' };
  let failures = 0;
  for (const size of sizes) {
    for (const name of Object.keys(CASES).filter((name) => name.includes(only))) {
      const label = `${name} @ ${(size / MiB).toFixed(size < MiB ? 2 : 0)} MiB`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', name, String(size)], {
        encoding: 'utf8',
        timeout: TIMEOUT_MS,
      });
      if (child.status !== 0) {
        failures++;
        const why = child.error ? `stopped after ${TIMEOUT_MS / 1000} s` : child.stderr.trim().split('\n').slice(-3).join(' ');
        console.log(`${label.padEnd(44)} FAILED: ${why}`);
        if (child.error) worstTime = { seconds: Number.POSITIVE_INFINITY, label };
        continue;
      }
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { seconds: number; mb: number; outputBytes: number };
      console.log(
        `${label.padEnd(44)} ${result.seconds.toFixed(3).padStart(7)} s ${result.mb.toFixed(0).padStart(5)} MB  ` +
          `(${(result.outputBytes / MiB).toFixed(2)} MiB of HTML)`,
      );
      if (result.seconds > worstTime.seconds) worstTime = { seconds: result.seconds, label };
      if (result.mb > worstMemory.mb) worstMemory = { mb: result.mb, label };
    }
  }
  console.log(`worst time: ${worstTime.seconds.toFixed(3)} s (${worstTime.label}); goal under ${GOAL_SECONDS} s`);
  console.log(`worst memory: ${worstMemory.mb.toFixed(0)} MB above baseline (${worstMemory.label}); goal under ${GOAL_MB} MB`);
  process.exitCode = failures > 0 ? 1 : 0;
}
