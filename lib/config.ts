/** Site configuration: `herald.config.json` at the content root, or `--config`. */
export interface Person {
  name: string;
  email?: string;
  url?: string;
}

export interface SiteConfig {
  title: string;
  description: string;
  /** Where post pages live; permalinks are resolved against it. Always ends with `/`. */
  baseUrl: string;
  /** Where feeds are served (default `baseUrl`). Always ends with `/`. */
  feedsUrl: string;
  /** BCP 47 language of the site, e.g. `en` or `zh-CN`. */
  language: string;
  /** IANA zone used for zone-less front-matter dates. */
  timeZone: string;
  author?: Person;
  itemsPerFeed: number;
  content: 'full' | 'summary';
  /** Hugo-like pattern, e.g. `/:section/:slug/` or `/:year/:month/:slug/`. */
  permalink: string;
  copyright?: string;
  image?: string;
  /** Posts larger than this are rejected before parsing. */
  maxPostBytes: number;
  /** Posts with more categories or tags than this are rejected. */
  maxTermsPerPost: number;
  cacheControl: string;
  /** WebSub hub URL; feeds then carry rel="hub" links. */
  websubHub?: string;
}
