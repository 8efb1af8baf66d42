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
 * `value` resolved against `base` in WHATWG serialization (non-ASCII percent-encoded, host punycoded) made an
 * RFC 3986 URI, or undefined when it does not parse or its scheme is not safe.
 */
export function safeUrl(value: string, base?: string, options: SafeUrlOptions = {}): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim(), base);
  } catch {
    return undefined;
  }
  const allowed = SAFE_SCHEMES.includes(url.protocol) || (options.image && url.protocol === 'data:' && /^image\//i.test(url.pathname));
  // WHATWG accepts `"`, `{` or a backtick in a host name; no server has such a name, and escaped it would not parse back.
  if (!allowed || !HOST.test(url.hostname)) return undefined;
  return asUri(url.href);
}

/** RFC 3986's reg-name or IP literal. */
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]*|\[[0-9A-Fa-f:.]+\])$/;

// Characters RFC 3986 allows nowhere, a `%` that starts no escape, and those it allows only in one place.
const NOT_URI = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?@!$&'()*+,;=%]/gu;
const AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;
const UTF8 = new TextEncoder();

/**
 * WHATWG serialization leaves `"`, `<`, `>`, spaces and backticks in mailto:, tel: and data: URLs (their paths
 * are opaque), and `%zz`, `|`, `^`, `[`, `]` or a second `#` in any URL: each would end an XML or HTML attribute,
 * split a srcset, or fail JSON Feed's `uri` format. They are percent-encoded, as a browser would send them;
 * brackets stay around an IPv6 host and the first `#` stays the fragment's.
 */
function asUri(href: string): string {
  const authorityEnd = AUTHORITY.exec(href)?.[0].length ?? 0;
  const hash = href.indexOf('#');
  return href.replace(NOT_URI, (char: string, offset: number) => {
    if ((char === '[' || char === ']') && offset < authorityEnd) return char;
    if (char === '#' && offset === hash) return char;
    let escaped = '';
    for (const byte of UTF8.encode(char)) escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    return escaped;
  });
}
