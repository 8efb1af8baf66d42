// Properties of parsePost on any input (issue 9): it never throws, it returns a post, a skip or a
// rejection that names the file, and never its "internal error" branch, which only a bug reaches.
// A post that parses renders to well-formed RSS, Atom and JSON Feed.
import fc from 'fast-check';
import { stringify as toToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { renderFeed, siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import { toFeedItem } from '../../../lib/post/render.ts';
import type { ParseResult } from '../../../lib/post/types.ts';
import { parseXml } from '../../support/validate.ts';
import { testSite, utf8 } from './test-site.ts';

const site = testSite();
const KEY = 'posts/property.md';
// Fixed seeds and run counts: the same inputs on every run and machine.
const RUNS = { numRuns: 200, seed: 9 };

/** `toISOString()` of an instant in the years 0000-9999: what feeds, ordering and the index rely on. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The outcome, asserting what every outcome must satisfy. */
function parse(bytes: Uint8Array, key = KEY, config = site): ParseResult {
  const result = parsePost(key, bytes, config);
  if (result.status === 'rejected') {
    expect(result.error.key).toBe(key);
    expect(result.error.message.startsWith(`${key}: `)).toBe(true);
    expect(result.error.reason).not.toMatch(/internal error/);
  } else if (result.status === 'post') {
    const { post } = result;
    expect(post.key).toBe(key);
    for (const date of [post.date, post.updated, post.publishDate ?? post.date, post.expiryDate ?? post.date])
      expect(date).toMatch(ISO_DATE);
  }
  return result;
}

/** Renders a parsed post in every feed it belongs to, in the three formats, and checks each file parses. */
function expectWellFormedFeeds(result: ParseResult, config = site): void {
  if (result.status !== 'post') return;
  const item = toFeedItem(result.post, config);
  // The item as a record stores it and a later build reads it back (lib/post/render.ts: toFeedItem).
  expect(JSON.parse(JSON.stringify(item))).toStrictEqual(item);
  const feeds = [
    siteFeed(config),
    ...result.post.categories.map((term) => termFeed('category', term, config)),
    ...result.post.tags.map((term) => termFeed('tag', term, config)),
  ];
  for (const feed of feeds) {
    for (const file of renderFeed({ site: config, feed, items: [item] })) {
      if (file.path.endsWith('.json')) expect(() => JSON.parse(file.body), file.path).not.toThrow();
      else expect(parseXml(file.body), `${file.path}\n${file.body}`).not.toHaveProperty('error');
    }
  }
}

// ---------------------------------------------------------------- generators

const FIELDS = [
  'title',
  'date',
  'publishDate',
  'pubdate',
  'published',
  'lastmod',
  'updated',
  'modified',
  'expiryDate',
  'unpublishdate',
  'draft',
  'summary',
  'description',
  'categories',
  'tags',
  'author',
  'authors',
  'authorlink',
  'lang',
  'language',
  'slug',
  'url',
  'path',
  'thumbnail',
  'image',
  'cover',
  'images',
  'id',
  'guid',
  'feeds',
  'build',
  '_build',
  'headless',
];

/** Front-matter keys: Herald's own in any letter case, and anything else. */
const fieldName = fc.oneof(
  fc.constantFrom(...FIELDS).chain((name) => fc.constantFrom(name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1))),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Strings that stress every text path: controls, lone surrogates, markup, URL and date shapes. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('<', '>', '&', '"', "'", ']]>', '\0', '\x0c', '\ud800', '\ufffe', ' ', 'a', '/', ':', '~', '.', '#', '%'),
    maxLength: 20,
  }),
  fc.constantFrom(
    '2025-02-12',
    '2025-02-12 21:15:03',
    '2025-02-12T21:15:03+08:00',
    '0000-01-01',
    '9999-12-31T23:59:59-14:00',
    '2025-02-30',
    'Wed, 12 Feb 2025 21:15:03 +0800',
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    '//evil.example/x',
    '/a b/<c>',
    'https://example.org/x"y<z>.png',
    'mailto:a"b@example.org',
    '..',
    '.',
    '\u00ad\u200b',
    '\u3000',
    'Name <a@b.c>',
    'en',
    'zh-CN',
    'never',
    'local',
    'https://example.com/?p=123',
  ),
);

/** Values of every type YAML and TOML can produce, nested. */
const { value } = fc.letrec<{ value: unknown; scalar: unknown }>((tie) => ({
  scalar: fc.oneof(
    text,
    fc.integer(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.boolean(),
    fc.constant(null),
    fc.date({ min: new Date(-70_000_000_000_000), max: new Date(300_000_000_000_000) }),
  ),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('scalar'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('name', 'email', 'url', 'src', 'image', 'list', 'render', 'tag', 'site'), fc.string({ maxLength: 6 })),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
}));

const frontMatter = fc.dictionary(fieldName, value, { maxKeys: 8 });

/** Hand-written YAML fragments the serializer never produces: tags, anchors, aliases, merges, odd scalars. */
const yamlFragment = fc.constantFrom(
  '!!binary aGVsbG8=',
  '!!timestamp 2025-02-12',
  '!!set { a, b }',
  '!!omap [ a: 1 ]',
  '!!float 1',
  '!!str 2025-02-12',
  '!!int "12"',
  '!custom x',
  '!<tag:yaml.org,2002:str> x',
  '&a [1, 2]',
  '*a',
  '&b { name: x }',
  '*b',
  '<<: *b',
  '&c [*c]',
  '|\n  block\n  text',
  '>-\n  folded\n  text',
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '0x7fffffffffffffffffff',
  '0o777777777777777777777',
  '.inf',
  '.nan',
  '~',
  '2025-02-12T21:15:03.123456789Z',
  '"\\ud800"',
  '"\\x00"',
  '? [a, b]\n: c',
  '[',
  '{a: 1, a: 2}',
  "'it''s'",
  '"__proto__"',
);

const yamlLine = fc.oneof(
  fc.tuple(fieldName, yamlFragment).map(([key, fragment]) => `${JSON.stringify(key)}: ${fragment}`),
  fc.tuple(fc.constantFrom(...FIELDS), yamlFragment).map(([key, fragment]) => `${key}: ${fragment}`),
  yamlFragment,
  fc.string({ unit: 'binary', maxLength: 30 }),
);

const body = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', 'Hello', '<script>x</script> ]]> & <p>', '[a](javascript:x) ![i](x.png)'),
);

/** Serializers may refuse a value (TOML has no null): such inputs are simply not generated. */
function attempt(serialize: () => string): string | undefined {
  try {
    return serialize();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- properties

describe('parsePost examples found by the properties', () => {
  it('rejects a file-name date that falls before the year 0000 in the site zone, instead of dating the post -000001', () => {
    const result = parse(utf8('---\ntitle: T\n---\n'), 'posts/0000-01-01-x.md');
    expect(result.status).toBe('rejected');
    expect(result.status === 'rejected' && result.error.reason).toMatch(/^date: missing/);
  });

  it('rejects a path date that falls before the year 0000 in the site zone', () => {
    const result = parse(utf8('---\ntitle: T\npath: 0000/01/01/x\n---\n'), KEY, testSite({ timeZone: 'Asia/Shanghai' }));
    expect(result.status).toBe('rejected');
  });
});

describe('parsePost never throws and never reaches its internal-error branch', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        parse(bytes);
      }),
      RUNS,
    );
  });

  it('on arbitrary text after each opening delimiter', () => {
    const opener = fc.constantFrom('---\n', '+++\n', '{', '---js\n', '---yaml\n', '+++toml\n', '--- \n', '\ufeff---\r\n', '');
    const closer = fc.constantFrom('\n---\n', '\n+++\n', '\n--- \n', '\n---x\n', '');
    fc.assert(
      fc.property(opener, fc.string({ unit: 'binary', maxLength: 120 }), closer, body, (open, middle, close, rest) => {
        expectWellFormedFeeds(parse(utf8(open + middle + close + rest)));
      }),
      RUNS,
    );
  });

  it('on YAML front matter of any shape, with Herald keys in any case', () => {
    fc.assert(
      fc.property(frontMatter, body, (data, rest) => {
        const yaml = attempt(() => toYaml(data));
        if (yaml === undefined) return;
        expectWellFormedFeeds(parse(utf8(`---\n${yaml}---\n${rest}`)));
      }),
      RUNS,
    );
  });

  it('on hand-written YAML: tags, anchors, aliases, merge keys, block scalars, huge numbers', () => {
    fc.assert(
      fc.property(fc.array(yamlLine, { maxLength: 8 }), body, (lines, rest) => {
        expectWellFormedFeeds(parse(utf8(`---\ntitle: T\ndate: 2025-02-12\n${lines.join('\n')}\n---\n${rest}`)));
        expectWellFormedFeeds(parse(utf8(`---\n${lines.join('\n')}\n---\n${rest}`)));
      }),
      RUNS,
    );
  });

  it('on TOML front matter of any shape', () => {
    fc.assert(
      fc.property(frontMatter, body, (data, rest) => {
        const toml = attempt(() => toToml(data));
        if (toml === undefined) return;
        expectWellFormedFeeds(parse(utf8(`+++\n${toml}\n+++\n${rest}`)));
      }),
      RUNS,
    );
  });

  it('on JSON front matter (Hugo accepts it; Herald rejects it by name)', () => {
    fc.assert(
      fc.property(frontMatter, body, (data, rest) => {
        const json = attempt(() => JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
        if (json === undefined) return;
        expect(parse(utf8(`${json}\n${rest}`)).status).toBe('rejected');
      }),
      RUNS,
    );
  });

  it('on valid posts with one field of any value: the post or a rejection, and its feeds are well-formed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), value, body, (name, field, rest) => {
        const base: Record<string, unknown> = { title: 'A post', date: '2025-02-12 21:15:03' };
        const yaml = attempt(() => toYaml({ ...base, [name]: field }));
        if (yaml !== undefined) expectWellFormedFeeds(parse(utf8(`---\n${yaml}---\n${rest}`)));
        const toml = attempt(() => toToml({ ...base, [name]: field }));
        if (toml !== undefined) expectWellFormedFeeds(parse(utf8(`+++\n${toml}\n+++\n${rest}`)));
      }),
      RUNS,
    );
  });

  it('on dates taken from file names and paths, in zones on both sides of UTC', () => {
    const zone = fc.constantFrom('UTC', 'Asia/Shanghai', 'Pacific/Kiritimati', 'America/Los_Angeles', 'Etc/GMT+12');
    // The first and last days a post date can have come up often: random days would rarely hit them.
    const day = fc.oneof(
      fc.constantFrom([0, 1, 1], [9999, 12, 31]),
      fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 32 })),
    );
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(zone, day, fc.boolean(), (timeZone, [year, month, date], inPath) => {
        const config = testSite({ timeZone });
        const ymd = [pad(year, 4), pad(month, 2), pad(date, 2)];
        const result = inPath
          ? parse(utf8(`---\ntitle: T\npath: ${ymd.join('/')}/x\n---\n`), KEY, config)
          : parse(utf8('---\ntitle: T\n---\n'), `posts/${ymd.join('-')}-x.md`, config);
        expectWellFormedFeeds(result, config);
      }),
      RUNS,
    );
  });

  it('on any content key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (key) => {
        expectWellFormedFeeds(parse(utf8('---\ntitle: T\n---\n'), key));
        expectWellFormedFeeds(parse(utf8('---\ntitle: T\ndate: 2025-02-12\n---\nbody'), key));
      }),
      RUNS,
    );
  });

  it('on any key, slug and title: the URL stays under baseUrl, and with itemIds "url" it is the id', () => {
    const patterns = ['/:sections/:slug/', '/:year/:month/:day/:title/', '/:section/:filename.html'];
    const configs = patterns.map((permalink) => testSite({ baseUrl: 'https://example.com/blog/', permalink, itemIds: 'url' }));
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom(...configs),
        (key, slug, title, config) => {
          const text = `---\ntitle: ${JSON.stringify(`x${title}`)}\nslug: ${JSON.stringify(slug)}\ndate: 2025-02-12T23:30:00-05:00\n---\n`;
          const result = parse(utf8(text), key, config);
          expectWellFormedFeeds(result, config);
          if (result.status !== 'post') return;
          expect(result.post.url.startsWith('https://example.com/blog/')).toBe(true);
          expect(new URL(result.post.url).href).toBe(result.post.url);
          expect(result.post.id).toBe(result.post.url);
        },
      ),
      RUNS,
    );
  });
});
