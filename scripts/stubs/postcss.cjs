'use strict';
/**
 * postcss, as sanitize-html sees it. sanitize-html requires postcss when it loads, and calls its `parse`
 * only for a `style` attribute that `allowedAttributes` has let through (to filter it by `allowedStyles`).
 * Herald's sanitizer options (lib/post/render.ts) allow `style` on no tag, so every style attribute is
 * dropped before that point. Saves postcss, source-map-js, nanoid and picocolors (~90 KB).
 */
const notBundled = require('./not-bundled.cjs');

exports.parse = function parse() {
  throw notBundled('postcss', 'sanitize-html asked it to parse a style attribute, which lib/post/render.ts never allows');
};
