/**
 * Markdown without raw HTML, written straight from markdown-it's tokens as sanitize-html would write markdown-it's
 * HTML of it. sanitize-html parses that HTML again (htmlparser2) and writes every tag, attribute and text anew: about
 * as much work as markdown-it's own, for the 56% (synthetic site) to 98% (bulwark) of posts whose HTML comes from
 * markdown-it alone. Every tag markdown-it writes is one the policy allows (checked when the renderer is made), and
 * htmlparser2 reads markdown-it's HTML back into the same elements, so what sanitize-html changes is only this:
 *
 * - text is written decoded, with only `&`, `<` and `>` escaped (markdown-it escapes `"` too);
 * - attributes go through the transform (the URL absolutizer), then an empty one is dropped unless the policy allows
 *   it empty (`alt`), one the policy does not allow on the tag is dropped (`style` of a table cell's alignment), a URL
 *   of a scheme not allowed on the tag is dropped; values are escaped (`&`, `<`, `>`, `"`);
 * - void elements are written `<br />`;
 * - the hooks (the depth guard) see every element as htmlparser2 opens and closes it, so the same bodies are over a
 *   limit, with the same limit named.
 *
 * Tokens of any other kind (raw HTML, plugins') are left to sanitize-html. The equivalence is tested over every
 * post of the corpora and over generated Markdown (tests/lib/post/plain-markdown*.test.ts).
 */
import type { Env, MarkdownIt, MarkdownItOptions, Renderer, Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { TEXT_ESCAPES } from '../feeds/xml.ts';

type Attribute = [name: string, value: string];
type Options = Required<MarkdownItOptions>;

/** What a document adds to the policy: sanitize-html's onOpenTag, onCloseTag and transformTags['*']. */
export interface DocumentHooks {
  onOpenTag(name: string): void;
  onCloseTag(name: string): void;
  /**
   * Called for the elements that have attributes, after onOpenTag, as sanitize-html calls it for every element: it
   * must add no attribute to an element without any, and keep the tag name and text (the absolutizer does).
   */
  transform: sanitizeHtml.Transformer;
}

/** Elements markdown-it writes from an `_open` and a `_close` token (through renderToken). */
const CONTAINERS = 'paragraph heading blockquote bullet_list ordered_list list_item table thead tbody tr th td em strong s link'.split(' ');
/** Token types written here; any other sends the document to sanitize-html. */
const TYPES = new Set([
  ...CONTAINERS.flatMap((name) => [`${name}_open`, `${name}_close`]),
  'inline',
  'text',
  'softbreak',
  'hardbreak',
  'code_inline',
  'code_block',
  'fence',
  'hr',
  'image',
]);
/** The elements of those tokens, and the void ones among them. */
const TAGS = 'p h1 h2 h3 h4 h5 h6 blockquote ul ol li table thead tbody tr th td em strong s a pre code hr img br'.split(' ');
const VOID = new Set(['hr', 'img', 'br']);

const TEXT = /[&<>]/;
const ATTRIBUTE = /[&<>"]/;
// xml.ts's escapeText and escapeAttr remove XML-invalid characters too, which renderBody does once for the whole body.
const escapeText = (text: string) => (TEXT.test(text) ? text.replace(/[&<>]/g, (c) => TEXT_ESCAPES[c]!) : text);
const escapeAttribute = (value: string) => (ATTRIBUTE.test(value) ? value.replace(/[&<>"]/g, (c) => TEXT_ESCAPES[c]!) : value);

/** The options sanitize-html works with: its defaults under the given ones, as it merges them. */
type Policy = sanitizeHtml.IDefaults & sanitizeHtml.IOptions & { allowedEmptyAttributes: string[] };

export class PlainMarkdown {
  private readonly renderer: Renderer;
  private readonly options: Options;
  private readonly unescape: (text: string) => string;
  private readonly allowedAttributes: Map<string, Set<string>>;
  private readonly anyTagAttributes: Set<string>;
  private readonly emptyAllowed: Set<string>;
  private readonly nonBoolean: Set<string>;
  private readonly allNonBoolean: boolean;
  private readonly schemeChecked: Set<string>;
  private readonly schemes: Set<string>;
  private readonly schemesByTag: Map<string, Set<string>>;
  private readonly protocolRelative: boolean;

  /** `markdown`'s tokens as `sanitizeHtml(markdown.renderer.render(tokens), options)` writes them. */
  constructor(markdown: MarkdownIt, options: sanitizeHtml.IOptions) {
    const policy = { ...sanitizeHtml.defaults, ...options } as Policy;
    const allowed = policy.allowedAttributes;
    const unsupported = [
      markdown.options.highlight && 'highlight (markdown-it)',
      policy.parser && 'parser',
      policy.textFilter && 'textFilter',
      policy.exclusiveFilter && 'exclusiveFilter',
      policy.nestingLimit !== undefined && 'nestingLimit',
      policy.allowedClasses && 'allowedClasses',
      policy.transformTags && 'transformTags (give DocumentHooks.transform)',
      policy.allowedTags === false && 'allowedTags: false',
      (!allowed || Object.values(allowed).some((names) => names.some((name) => typeof name !== 'string' || name.includes('*')))) &&
        'allowedAttributes other than lists of names',
      !Array.isArray(policy.allowedSchemes) && 'allowedSchemes other than a list',
      typeof policy.allowedSchemesByTag !== 'object' && 'allowedSchemesByTag other than an object',
      allowed && ['th', 'td', '*'].some((tag) => allowed[tag]?.includes('style')) && 'style on table cells (parsed by postcss)',
      ...TAGS.map((tag) => !(policy.allowedTags as string[]).includes(tag) && `${tag} not allowed`),
      ...TAGS.map((tag) => policy.selfClosing.includes(tag) !== VOID.has(tag) && `selfClosing ${tag}`),
    ].filter(Boolean);
    if (unsupported.length > 0) throw new Error(`PlainMarkdown cannot write as sanitize-html would with: ${unsupported.join(', ')}`);

    const { '*': anyTag = [], ...byTag } = allowed as Record<string, string[]>;
    this.allowedAttributes = new Map(Object.entries(byTag).map(([tag, names]) => [tag, new Set(names)]));
    this.anyTagAttributes = new Set(anyTag);
    this.emptyAllowed = new Set(policy.allowedEmptyAttributes);
    this.nonBoolean = new Set(policy.nonBooleanAttributes);
    this.allNonBoolean = this.nonBoolean.has('*');
    this.schemeChecked = new Set(policy.allowedSchemesAppliedToAttributes);
    this.schemes = new Set(policy.allowedSchemes as string[]);
    this.schemesByTag = new Map(
      Object.entries(policy.allowedSchemesByTag as Record<string, string[]>).map(([tag, s]) => [tag, new Set(s)]),
    );
    this.protocolRelative = policy.allowProtocolRelative;

    this.options = { ...markdown.options, xhtmlOut: true };
    this.unescape = markdown.utils.unescapeAll;
    this.renderer = new (markdown.renderer.constructor as new () => Renderer)();
    this.renderer.renderAttrs = (token) => {
      let html = '';
      for (const [name, value] of token.attrs ?? []) {
        html += value === '' && !this.emptyAllowed.has(name) ? ` ${name}` : ` ${name}="${escapeAttribute(value as string)}"`;
      }
      return html;
    };
    Object.assign(this.renderer.rules, {
      text: (tokens: Token[], i: number) => escapeText(tokens[i]!.content),
      code_inline: (tokens: Token[], i: number, _o: Options, _e: unknown, self: Renderer) =>
        `<code${self.renderAttrs(tokens[i]!)}>${escapeText(tokens[i]!.content)}</code>`,
      code_block: (tokens: Token[], i: number, _o: Options, _e: unknown, self: Renderer) =>
        `<pre${self.renderAttrs(tokens[i]!)}><code>${escapeText(tokens[i]!.content)}</code></pre>\n`,
      // The attributes are the <code>'s, its class made in prepare().
      fence: (tokens: Token[], i: number, _o: Options, _e: unknown, self: Renderer) =>
        `<pre><code${self.renderAttrs(tokens[i]!)}>${escapeText(tokens[i]!.content)}</code></pre>\n`,
      // The alt text is made in prepare(), before the transform sees the attributes.
      image: (tokens: Token[], i: number, options: Options, _e: unknown, self: Renderer) => self.renderToken(tokens, i, options),
    });
  }

  /**
   * The HTML sanitize-html would write, or undefined when `tokens` hold a kind this does not write (raw HTML): then
   * no hook has been called yet. Throws what the hooks throw. Rewrites the tokens' attributes.
   */
  render(tokens: Token[], hooks: DocumentHooks, env: Env = {}): string | undefined {
    if (!allWritten(tokens)) return undefined;
    this.prepare(tokens, hooks, env);
    return this.renderer.render(tokens, this.options, env);
  }

  /** Calls the hooks in document order and leaves on each token the attributes sanitize-html would write. */
  private prepare(tokens: Token[], hooks: DocumentHooks, env: Env): void {
    for (const token of tokens) {
      switch (token.type) {
        case 'inline':
          this.prepare(token.children!, hooks, env);
          break;
        case 'text':
          break;
        case 'softbreak':
          if (this.options.breaks) this.element(token, hooks);
          break;
        case 'image':
          token.attrs![token.attrIndex('alt')]![1] = this.renderer.renderInlineAsText(token.children!, this.options, env);
          this.element(token, hooks);
          break;
        case 'code_block':
          this.element(token, hooks, 'pre', 1);
          hooks.onOpenTag('code');
          hooks.onCloseTag('code');
          hooks.onCloseTag('pre');
          break;
        case 'fence': {
          // markdown-it's fence rule: the first word of the info string names the language.
          const info = token.info ? this.unescape(token.info).trim() : '';
          token.attrs = info ? [['class', `${this.options.langPrefix}${info.split(/\s+/, 1)[0]}`]] : null;
          hooks.onOpenTag('pre');
          this.element(token, hooks, 'code', 0);
          hooks.onCloseTag('pre');
          break;
        }
        default:
          this.element(token, hooks);
      }
    }
  }

  /** An element opened (and closed, for nesting 0) as htmlparser2 reports it, its attributes as sanitize-html keeps them. */
  private element(token: Token, hooks: DocumentHooks, tag = token.tag, nesting = token.nesting): void {
    if (token.hidden) return;
    if (nesting === -1) {
      hooks.onCloseTag(tag);
      return;
    }
    hooks.onOpenTag(tag);
    if (token.attrs) token.attrs = this.attributes(tag, token.attrs, hooks);
    if (nesting === 0) hooks.onCloseTag(tag);
  }

  /** sanitize-html's attribute loop, after the transform. */
  private attributes(tag: string, attrs: [string, string | number][], hooks: DocumentHooks): Attribute[] {
    const given: Record<string, string> = {};
    // htmlparser2 keeps the first of repeated attributes.
    for (const [name, value] of attrs) if (!Object.hasOwn(given, name)) given[name] = String(value);
    const transformed = hooks.transform(tag, given);
    if (transformed.tagName !== tag || transformed.text !== undefined)
      throw new Error(`the transform changed <${tag}> beyond its attributes`);
    const kept: Attribute[] = [];
    for (const [name, value] of Object.entries(transformed.attribs)) {
      if (value === '' && !this.emptyAllowed.has(name) && (this.allNonBoolean || this.nonBoolean.has(name))) continue;
      if (!this.allowedAttributes.get(tag)?.has(name) && !this.anyTagAttributes.has(name)) continue;
      if (this.schemeChecked.has(name) && this.naughtyUrl(tag, value)) continue;
      kept.push([name, value]);
    }
    return kept;
  }

  /** sanitize-html's naughtyHref (launder's, with its cleanHref): a scheme not allowed on `tag`, or a protocol-relative URL. */
  private naughtyUrl(tag: string, url: string): boolean {
    let href = url.replace(/[\x00-\x20]+/g, '');
    for (let start = href.indexOf('<!--'); start !== -1; start = href.indexOf('<!--')) {
      const end = href.indexOf('-->', start + 4);
      if (end === -1) break;
      href = href.slice(0, start) + href.slice(end + 3);
    }
    const scheme = /^([a-zA-Z][a-zA-Z0-9.\-+]*):/.exec(href)?.[1];
    if (scheme === undefined) return /^[/\\]{2}/.test(href) && !this.protocolRelative;
    return !(this.schemesByTag.get(tag) ?? this.schemes).has(scheme.toLowerCase());
  }
}

/** Whether every token, and every child of one (image descriptions included), is of a kind written here. */
function allWritten(tokens: Token[]): boolean {
  for (const token of tokens) {
    if (!TYPES.has(token.type) || (token.children !== null && !allWritten(token.children))) return false;
  }
  return true;
}
