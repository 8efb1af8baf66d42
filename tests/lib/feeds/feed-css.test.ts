import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { aboutElement, FEED_CSS, stylesheetInstruction, withStylesheet, XHTML_NS } from '../../../lib/feeds/feed-css.ts';
import { renderFeed } from '../../../lib/feeds/feeds.ts';
import { FEED_FILES, type FeedInput } from '../../../lib/feeds/types.ts';
import { SAMPLES } from './sample.ts';

/** Every processing instruction and every element in the XHTML namespace, with its parent's name. */
function browserParts(xml: string): { instructions: string[]; xhtml: { name: string; parent: string }[] } {
  const parser = new SaxesParser({ xmlns: true });
  const instructions: string[] = [];
  const xhtml: { name: string; parent: string }[] = [];
  const open: string[] = [];
  parser.on('processinginstruction', (pi) => instructions.push(`${pi.target} ${pi.body}`));
  parser.on('opentag', (tag) => {
    if (tag.uri === XHTML_NS) xhtml.push({ name: tag.local, parent: open.at(-1)! });
    open.push(tag.local);
  });
  parser.on('closetag', () => open.pop());
  parser.write(xml).close();
  return { instructions, xhtml };
}

describe('the browser view of a feed', () => {
  it('links the stylesheet at the feeds root from any folder', () => {
    expect(stylesheetInstruction('')).toBe('<?xml-stylesheet type="text/css" href="feed.css"?>');
    expect(stylesheetInstruction('tags/c#/')).toBe('<?xml-stylesheet type="text/css" href="../../feed.css"?>');
    expect(aboutElement('categories/x/', 'https://f.example/categories/x/rss.xml', '')).toContain('href="../../index.html"');
  });

  it('gives the history links of a feed with archive pages as relative links, and none to a complete feed', () => {
    const tag = SAMPLES['tag-csharp']!;
    const links = (history: FeedInput['history'], format: 'rss' | 'atom') => {
      const file = renderFeed({ ...tag, history }).find((f) => f.path.endsWith(`${format}.xml`))!;
      return [...file.body.matchAll(/<a rel="([\w-]+)" href="([^"]*)">([^<]*)<\/a>/g)].map(
        ([, rel, href, label]) => `${rel} ${href} ${label}`,
      );
    };
    expect(links({ pages: 0 }, 'rss')).toEqual([]);
    expect(links({ pages: 3 }, 'rss')).toEqual(['prev-archive archive/3/rss.xml Older items']);
    expect(links({ pages: 3, page: 2 }, 'atom')).toEqual([
      'prev-archive ../1/atom.xml Older items',
      'next-archive ../3/atom.xml Newer items',
      'current ../../atom.xml Latest items',
    ]);
    expect(links({ pages: 3, page: 3 }, 'rss')).toEqual(['prev-archive ../2/rss.xml Older items', 'current ../../rss.xml Latest items']);
    // The feed's own address stays the one to copy on an archive page.
    const page = renderFeed({ ...tag, history: { pages: 3, page: 1 } }).find((f) => f.path.endsWith('atom.xml'))!;
    expect(page.path).toBe(`${tag.feed.dir}archive/1/atom.xml`);
    expect(page.body).toContain(`<code>https://feeds.example.org/${tag.feed.dir.replace('#', '%23')}atom.xml</code>`);
  });

  it('keeps the XML declaration first', () => {
    expect(withStylesheet('<?xml version="1.0"?>\n<a/>', '')).toBe(
      '<?xml version="1.0"?>\n<?xml-stylesheet type="text/css" href="feed.css"?>\n<a/>',
    );
    expect(() => withStylesheet('<a/>', '')).toThrow(/declaration/);
  });

  it.each(Object.entries(SAMPLES))('adds one instruction and one XHTML note to the %s sample, before any item', (_, input) => {
    for (const file of renderFeed(input).filter((f) => !f.path.endsWith('.json'))) {
      const { instructions, xhtml } = browserParts(file.body);
      expect(file.body.split('\n')[1], file.path).toBe(stylesheetInstruction(input.feed.dir));
      const root = input.feed.dir === '' ? '' : '../../';
      expect(instructions, file.path).toEqual([`xml-stylesheet type="text/css" href="${root}feed.css"`]);
      expect(xhtml.map((e) => e.name)).toEqual(['div', 'p', 'code', 'p', 'a']);
      expect(xhtml[0]!.parent).toBe(file.path.endsWith('rss.xml') ? 'channel' : 'feed');
      const note = file.body.indexOf('herald-about');
      const firstItem = file.body.search(/<item>|<entry[ >]/);
      if (firstItem !== -1) expect(note).toBeLessThan(firstItem);
    }
  });

  it('leaves the JSON Feed alone: browsers have no stylesheet for JSON', () => {
    const json = renderFeed(SAMPLES.site!).find((file) => file.path.endsWith('.json'))!;
    expect(json.body).not.toMatch(/stylesheet|herald-about/);
  });

  it('serves RSS and Atom as XML, which browsers render and style (they show the +xml feed types as text)', () => {
    expect(FEED_FILES.rss.contentType).toBe('application/xml; charset=utf-8');
    expect(FEED_FILES.atom.contentType).toBe('application/xml; charset=utf-8');
  });

  it('is a stylesheet for the three XML formats, with no imports or external resources', () => {
    for (const selector of ['|channel>|item', 'atom|feed>atom|entry', '|body>|outline', 'h|div.herald-about::before']) {
      expect(FEED_CSS).toContain(selector);
    }
    // A namespace's url() names it; any other url() would be a request.
    expect(FEED_CSS.replace(/^@namespace \w+ url\([^)]*\);$/gm, '')).not.toMatch(/@import|url\(/);
  });
});
