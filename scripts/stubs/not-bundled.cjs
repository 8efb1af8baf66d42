'use strict';
/**
 * The error a bundle stub throws (scripts/bundle-plugins.ts): code the bundle was built on the premise
 * of never running has run after all. It is also emitted as a process warning, code HERALD_NOT_BUNDLED,
 * because some callers swallow errors (sanitize-html drops a style attribute whose parse throws) and
 * the function's log must still show it.
 */
module.exports = function notBundled(module, reason) {
  const message = `${module} is not in this bundle: ${reason}. See scripts/bundle-plugins.ts.`;
  process.emitWarning(message, { code: 'HERALD_NOT_BUNDLED' });
  return new Error(message);
};
