/** Markdown post sources with YAML front matter, and a site configuration, for pipeline tests. */
export interface PostSource {
  title: string;
  /** ISO date; default a fixed day in 2025. */
  date?: string;
  tags?: string[];
  categories?: string[];
  draft?: boolean;
  body?: string;
}

export function markdownPost({ title, date = '2025-03-01T10:00:00Z', tags = [], categories = [], draft, body }: PostSource): string {
  const list = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
  return [
    '---',
    `title: ${JSON.stringify(title)}`,
    `date: ${date}`,
    `tags: ${list(tags)}`,
    `categories: ${list(categories)}`,
    ...(draft ? ['draft: true'] : []),
    '---',
    '',
    body ?? `Some words about ${title}.`,
    '',
  ].join('\n');
}

export function siteConfigJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    title: 'Herald Test',
    description: 'A site for the pipeline tests',
    baseUrl: 'https://example.org/',
    feedsUrl: 'https://feeds.example.org/',
    itemsPerFeed: 5,
    ...overrides,
  });
}
