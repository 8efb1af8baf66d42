/**
 * Post bodies to feed HTML: Markdown through markdown-it (raw HTML allowed, as Hugo's Goldmark
 * with `unsafe`), then sanitize-html, which keeps a generous set of content tags and drops
 * scripts, frames, plug-ins, styles, forms, event handlers and dangerous URL schemes. Every URL
 * attribute (`href`, `src`, each `srcset` candidate, `poster`, `cite`) is made absolute against
 * the post's URL first, so the scheme checks see what a reader would load. Feed readers show items
 * away from the site, where relative URLs resolve against nothing. The work per post is bounded
 * (`bounds.ts`): a body past a limit is published as escaped plain text, with a warning. Markdown without raw HTML
 * (most posts) skips sanitize-html's second parse: `plain-markdown.ts` writes its tokens as sanitize-html would.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { SiteConfig } from '../config.ts';
import type { FeedItem, Post } from './types.ts';
import { escapeAttr, xmlSafe } from '../feeds/xml.ts';
import { SAFE_SCHEMES, safeUrl } from '../url.ts';
import { checkMarkup, counter, depthGuard, LimitExceeded, limitBlockTokens, plainTextHtml } from './bounds.ts';
import { PlainMarkdown } from './plain-markdown.ts';

// One instance for every post: construction compiles markdown-it's rules.
const markdown = new MarkdownIt({ html: true, linkify: false, typographer: false });
limitBlockTokens(markdown);

/**
 * An http(s) URL of an ASCII host (labels of 1-63 letters, digits and hyphens, 255 characters at most) and a path
 * of unreserved characters and slashes, and nothing else (no port, user, query, fragment or `%`): markdown-it's
 * normalizeLink gives it back unchanged. Its parse, punycode and percent-encoding cost about 2.6 µs a link;
 * most links of a post are such URLs.
 */
const PLAIN_HTTP_URL = /^https?:\/\/(?=[A-Za-z0-9.-]{1,255}(?:\/|$))[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*(?:\/[A-Za-z0-9\-._~/]*)?$/;
const encodeLink = markdown.normalizeLink.bind(markdown);

/** markdown-it's normalizeLink, which a link or image destination goes through: the same result, faster for plain URLs. */
export function normalizeLink(url: string): string {
  return PLAIN_HTTP_URL.test(url) ? url : encodeLink(url);
}
markdown.normalizeLink = normalizeLink;

/**
 * Every HTML element name. Posts are full of pseudo-tags written as text (`<TSLA>`, `<US>`,
 * `<think>`, `Vec<T>`, `<eBPF>`): markdown-it passes them on as raw HTML and the sanitizer would
 * silently drop them, so a tag whose name is no HTML element is escaped and shown as written.
 * Real elements (allowed or not) and custom elements (`<my-widget>`) go to the sanitizer.
 */
const HTML_ELEMENTS = new Set(
  (
    'a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote body br button ' +
    'canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em embed ' +
    'fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe ' +
    'image img input ins kbd label legend li link listing main map mark marquee math menu meta meter nav nobr noembed ' +
    'noframes noscript object ol optgroup option output p param picture plaintext pre progress q rb rp rt rtc ruby s ' +
    'samp script search section select slot small source span strike strong style sub summary sup svg table tbody td ' +
    'template textarea tfoot th thead time title tr track tt u ul var video wbr xmp'
  ).split(' '),
);
const TAG = /<(\/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^<>]*>/g;

function escapeUnknownTags(html: string): string {
  return html.replace(TAG, (tag, _slash: string, name: string) =>
    HTML_ELEMENTS.has(name.toLowerCase()) || name.includes('-') ? tag : escapeAttr(tag),
  );
}

markdown.renderer.rules.html_inline = (tokens, index) => escapeUnknownTags(tokens[index]!.content);
markdown.renderer.rules.html_block = (tokens, index) => escapeUnknownTags(tokens[index]!.content);

/** The tags posts use most, most used first. */
const COMMON_TAGS = ['p', 'a', 'strong', 'em', 'li', 'img', 'code', 'br', 'h2', 'h3', 'ul', 'ol', 'blockquote', 'pre', 'td', 'tr'];

/**
 * `tags` with the common ones first. sanitize-html looks a tag up in the list with indexOf, for every opening tag
 * and up to three times for every text node: `strong` came 49th, `img` 71st.
 */
function byFrequency(tags: string[]): string[] {
  const rank = (tag: string) => {
    const index = COMMON_TAGS.indexOf(tag);
    return index === -1 ? COMMON_TAGS.length : index;
  };
  return [...tags].sort((a, b) => rank(a) - rank(b));
}

const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'] as const;
const MEDIA = ['src', 'type', 'width', 'height', 'title'];

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: byFrequency([
    ...sanitizeHtml.defaults.allowedTags,
    'img',
    'picture',
    'source',
    'video',
    'audio',
    'track',
    'figure',
    'figcaption',
    'details',
    'summary',
    'del',
    'ins',
  ]),
  allowedAttributes: {
    '*': ['title', 'lang', 'dir'],
    a: ['href', 'name', 'rel', 'hreflang'],
    img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading'],
    source: ['src', 'srcset', 'sizes', 'type', 'media', 'width', 'height'],
    video: [...MEDIA, 'poster', 'controls', 'loop', 'muted', 'playsinline', 'preload'],
    audio: [...MEDIA, 'controls', 'loop', 'muted', 'preload'],
    track: ['src', 'kind', 'srclang', 'label', 'default'],
    code: ['class'],
    pre: ['class'],
    ol: ['start', 'reversed', 'type'],
    li: ['value'],
    td: ['colspan', 'rowspan', 'align', 'headers'],
    th: ['colspan', 'rowspan', 'align', 'scope', 'abbr'],
    col: ['span'],
    colgroup: ['span'],
    blockquote: ['cite'],
    q: ['cite'],
    del: ['cite', 'datetime'],
    ins: ['cite', 'datetime'],
    time: ['datetime'],
    data: ['value'],
    abbr: ['title'],
    details: ['open'],
  },
  allowedSchemes: SAFE_SCHEMES.map((scheme) => scheme.slice(0, -1)),
  // Inline images (`data:image/...`) are common in pasted content and cannot run script in <img>.
  allowedSchemesByTag: { img: ['http', 'https', 'data'], source: ['http', 'https', 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Void elements: written without an end tag (`<source></source>` is not HTML).
  selfClosing: ['img', 'br', 'hr', 'source', 'track', 'wbr', 'col'],
  // Dropped with their content; other disallowed tags keep their text.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'xmp',
    'noscript',
    'iframe',
    'object',
    'embed',
    'template',
    'svg',
    'math',
    'select',
  ],
};

const plainMarkdown = new PlainMarkdown(markdown, SANITIZE);

/** The post's body as sanitized, absolutized, XML-safe HTML; `warn` is told when it is shown as plain text, and why. */
export function renderBody(post: Post, _site: SiteConfig, warn: (reason: string) => void = () => {}): string {
  const source = xmlSafe(post.body);
  try {
    checkMarkup(source);
    // Entities such as &#12; decode to characters XML forbids.
    return xmlSafe(renderMarkdown(source, post.url).html);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    warn(`body shown as plain text: ${error.message}`);
    return plainTextHtml(source);
  }
}

export interface RenderedMarkdown {
  html: string;
  /** Written from markdown-it's tokens (plain-markdown.ts) rather than by sanitize-html. */
  direct: boolean;
}

/**
 * `source` (XML-safe, within the markup limit) as sanitized HTML with URLs absolute against `base`. Markdown without
 * raw HTML is written straight from its tokens, as sanitize-html would write it; `sanitizer` takes sanitize-html
 * whatever the tokens, the reference that shortcut is tested against. Throws LimitExceeded.
 */
export function renderMarkdown(source: string, base: string, { sanitizer = false } = {}): RenderedMarkdown {
  const env = {};
  const tokens = markdown.parse(source, env);
  const hooks = { ...depthGuard(), transform: absolutizer(base, counter('urls')) };
  const html = sanitizer ? undefined : plainMarkdown.render(tokens, hooks, env);
  if (html !== undefined) return { html, direct: true };
  const { onOpenTag, onCloseTag, transform } = hooks;
  const raw = markdown.renderer.render(tokens, markdown.options, env);
  return { html: sanitizeHtml(raw, { ...SANITIZE, onOpenTag, onCloseTag, transformTags: { '*': transform } }), direct: false };
}

/**
 * A FeedItem: the metadata plus the item HTML. With `content: 'summary'` the HTML is only the
 * summary, escaped, in a paragraph (empty when the post has none), and the body is never rendered:
 * sites choose it so feeds do not carry full articles, so there is no fallback to the body.
 * It holds only JSON's own values (no `undefined`, no dates; pinned on any front matter by
 * tests/lib/post/parse.property.test.ts), so an item rendered just now is the same as one read back
 * from a record, and a feed's bytes never depend on which path produced it.
 */
export function toFeedItem(post: Post, site: SiteConfig): FeedItem {
  const { body: _body, ...meta } = post;
  const warnings: string[] = [];
  const html =
    site.content === 'summary'
      ? post.summary
        ? `<p>${escapeAttr(post.summary)}</p>`
        : ''
      : renderBody(post, site, (reason) => warnings.push(reason));
  return warnings.length > 0 ? { ...meta, html, warnings } : { ...meta, html };
}

/** `countUrl` is called for every URL made absolute, srcset candidates included. */
function absolutizer(base: string, countUrl: () => void): sanitizeHtml.Transformer {
  return (tagName, attribs) => {
    for (const name of URL_ATTRIBUTES) {
      const value = attribs[name];
      if (value === undefined) continue;
      countUrl();
      const absolute = safeUrl(value, base, { image: tagName === 'img' || tagName === 'source' });
      if (absolute === undefined) delete attribs[name];
      else attribs[name] = absolute;
    }
    if (attribs.srcset !== undefined) {
      const srcset = absoluteSrcset(attribs.srcset, base, countUrl);
      if (srcset === '') delete attribs.srcset;
      else attribs.srcset = srcset;
    }
    return { tagName, attribs };
  };
}

/**
 * Each candidate of a srcset made absolute; unsafe candidates dropped. Parsed as the HTML
 * standard does: a URL runs to the next whitespace (commas included, so `x,w_100.jpg` stays
 * whole), a trailing comma ends a candidate, descriptors run to the next comma.
 */
export function absoluteSrcset(srcset: string, base: string, countUrl: () => void = () => {}): string {
  const candidates: string[] = [];
  let i = 0;
  while (i < srcset.length) {
    while (i < srcset.length && /[\s,]/.test(srcset[i]!)) i++;
    if (i >= srcset.length) break;
    let end = i;
    while (end < srcset.length && !/\s/.test(srcset[end]!)) end++;
    let url = srcset.slice(i, end);
    let descriptor = '';
    i = end;
    if (url.endsWith(',')) {
      // A loop, not /,+$/: that regex retries every comma of a run (`a,,,…,b,`), quadratic in its length.
      let stop = url.length - 1;
      while (url[stop - 1] === ',') stop--;
      url = url.slice(0, stop);
    } else {
      const comma = srcset.indexOf(',', i);
      const stop = comma === -1 ? srcset.length : comma;
      descriptor = srcset.slice(i, stop).trim();
      i = stop + 1;
    }
    countUrl();
    const absolute = safeUrl(url, base, { image: true });
    if (absolute !== undefined) candidates.push(descriptor ? `${absolute} ${descriptor}` : absolute);
  }
  return candidates.join(', ');
}
