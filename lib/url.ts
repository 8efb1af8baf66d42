/**
 * URLs from authors' hands (a post's links and images, front matter, the site configuration) as Herald
 * writes them: absolute, and only with schemes a reader can follow without running anything. A feed
 * reader shows an item's author link or thumbnail much as a browser would; `javascript:` there is as
 * dangerous as in the post's HTML.
 */
export const SAFE_SCHEMES: readonly string[] = ['http:', 'https:', 'mailto:', 'tel:'];

export interface SafeUrlOptions {
  /** The URL is an image's source: `data:image/...` is allowed too. */
  image?: boolean;
}

/**
 * `value` resolved against `base` in WHATWG serialization (non-ASCII percent-encoded, host punycoded), or
 * undefined when it does not parse or its scheme is not safe.
 */
export function safeUrl(value: string, base?: string, options: SafeUrlOptions = {}): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim(), base);
  } catch {
    return undefined;
  }
  if (SAFE_SCHEMES.includes(url.protocol)) return url.href;
  if (options.image && url.protocol === 'data:' && /^image\//i.test(url.pathname)) return url.href;
  return undefined;
}
