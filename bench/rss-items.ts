// RSS items written by Herald (lib/feeds/rss.ts, `rssItemText`) against `feed` writing them
// (tests/lib/feeds/rss-reference.ts, what Herald did before), over every post of the shared corpora
// (../shared/corpus: bulwark, sofastack, rust-blog) and the synthetic site (/tmp/synth10k, or HERALD_SYNTH), where
// present: each post's item as its site's feed shows it, with the site author to fall back on and without. Prints,
// for each, the posts compared and how many items differ (the first difference in full), and the CPU time each way
// renders the items (median of 5 passes, alternating). Exits 1 on any difference.
// `npx tsx bench/rss-items.ts [name=content-folder ...]`
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type Person, type SiteConfig } from '../lib/config.ts';
import { siteFeed } from '../lib/feeds/feeds.ts';
import { feedView, type ItemView } from '../lib/feeds/model.ts';
import { rssItemText } from '../lib/feeds/rss.ts';
import { toFeedItem } from '../lib/post/render.ts';
import { parsePost } from '../lib/post/parse.ts';
import { feedItemText } from '../tests/lib/feeds/rss-reference.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../shared');

/** The sites of tests/corpus/corpora.test.ts and ../shared/tools/synthetic.json, each with an author to fall back on. */
const SITES: Record<string, { dir: string; config: Record<string, unknown> }> = {
  bulwark: {
    dir: path.join(shared, 'corpus/bulwark/content'),
    config: { title: 'Bulwark', baseUrl: 'https://bulwark.invalid/', language: 'en', timeZone: 'Asia/Shanghai' },
  },
  sofastack: {
    dir: path.join(shared, 'corpus/sofastack/content'),
    config: { title: 'SOFAStack', baseUrl: 'https://sofastack.invalid/', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
  },
  'rust-blog': {
    dir: path.join(shared, 'corpus/rust-blog/content'),
    config: { title: 'Rust Blog', baseUrl: 'https://blog.rust-lang.invalid/', language: 'en', timeZone: 'UTC' },
  },
  synthetic: {
    dir: process.env.HERALD_SYNTH ?? '/tmp/synth10k',
    config: JSON.parse(readFileSync(path.join(shared, 'tools/synthetic.json'), 'utf8')) as Record<string, unknown>,
  },
};
const AUTHOR = 'Site Author <site@example.com>';

function views(name: string, dir: string, config: Record<string, unknown>): { items: ItemView[]; author: Person | undefined } {
  const site: SiteConfig = parseConfig(JSON.stringify({ ...config, author: AUTHOR }), name);
  const items = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort()
    .flatMap((key) => {
      const parsed = parsePost(key, readFileSync(path.join(dir, key)), site);
      return parsed.status === 'post' ? [toFeedItem(parsed.post, site)] : [];
    });
  const view = feedView({ site, feed: siteFeed(site), items });
  return { items: view.items, author: view.author };
}

function renderAll(items: ItemView[], author: Person | undefined, render: (item: ItemView, author: Person | undefined) => string): void {
  for (const item of items) render(item, author);
}

function cpuMs(render: () => void): number {
  const start = process.cpuUsage();
  render();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const wanted = process.argv.slice(2).map((arg) => {
  const [name, dir] = arg.split('=');
  return {
    name: name!,
    dir: dir ?? SITES[name!]?.dir,
    config: SITES[name!]?.config ?? { title: name, baseUrl: 'https://example.invalid/' },
  };
});
let differences = 0;
for (const { name, dir, config } of wanted.length > 0 ? wanted : Object.entries(SITES).map(([name, site]) => ({ name, ...site }))) {
  if (dir === undefined || !existsSync(dir)) {
    console.log(`${name}: absent (${dir}), skipped`);
    continue;
  }
  const { items, author } = views(name, dir, config);
  let differing = 0;
  for (const fallback of [author, undefined]) {
    for (const item of items) {
      const ours = rssItemText(item, fallback);
      const theirs = feedItemText(item, fallback);
      if (ours === theirs) continue;
      if (differing++ === 0) console.log(`${name}: ${item.id} differs\n--- feed\n${theirs}\n--- Herald\n${ours}`);
    }
  }
  differences += differing;
  const ourTimes: number[] = [];
  const theirTimes: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    ourTimes.push(cpuMs(() => renderAll(items, author, rssItemText)));
    theirTimes.push(cpuMs(() => renderAll(items, author, feedItemText)));
  }
  console.log(
    `${name}: ${items.length} posts, ${2 * items.length} items compared (with and without a site author), ${differing} differ; ` +
      `rendering them all: feed ${median(theirTimes).toFixed(0)} ms, Herald ${median(ourTimes).toFixed(0)} ms CPU (medians of 5)`,
  );
}
process.exitCode = differences > 0 ? 1 : 0;
