'use strict';
/**
 * dayjs, as launder sees it. sanitize-html uses one function of launder, `naughtyHref` (the URL scheme
 * check), which never calls dayjs; launder's date and time helpers, which do, are never called.
 */
const notBundled = require('./not-bundled.cjs');

module.exports = function dayjs() {
  throw notBundled('dayjs', "a launder date helper ran, and sanitize-html only uses launder's naughtyHref");
};
