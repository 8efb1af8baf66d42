'use strict';
/**
 * js-yaml, as gray-matter sees it: gray-matter binds `safeLoad`/`safeDump` as its default `yaml` engine
 * when it loads. lib/post/frontmatter.ts always passes engines of its own, whose `yaml` (the `yaml`
 * package, YAML 1.2 with an alias limit) replaces that default, and never stringifies front matter.
 * Saves js-yaml (~41 KB), a second YAML parser.
 */
const notBundled = require('./not-bundled.cjs');

function refuse() {
  throw notBundled('js-yaml', "gray-matter used its default YAML engine instead of lib/post/frontmatter.ts's");
}

exports.safeLoad = refuse;
exports.safeDump = refuse;
