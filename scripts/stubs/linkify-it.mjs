/**
 * linkify-it, as markdown-it sees it. markdown-it constructs a LinkifyIt for every instance, but its two
 * linkify rules return before using it unless the `linkify` option is on, and lib/post/render.ts turns it
 * off (posts are Markdown: a bare URL in the text stays text, as in Hugo).
 */
import notBundled from './not-bundled.cjs';

function refuse() {
  throw notBundled('linkify-it', 'markdown-it linkified text, and lib/post/render.ts sets linkify: false');
}

export class LinkifyIt {
  add = refuse;
  match = refuse;
  matchAtStart = refuse;
  normalize = refuse;
  onCompile = refuse;
  pretest = refuse;
  set = refuse;
  test = refuse;
  testSchemaAt = refuse;
  tlds = refuse;
}
