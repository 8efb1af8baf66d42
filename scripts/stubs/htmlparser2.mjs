/**
 * htmlparser2, as sanitize-html sees it: sanitize-html uses its streaming `Parser` and nothing else. The
 * package's index (which a CommonJS require loads whole) also brings a DOM builder, DOM utilities and a
 * serializer with an older copy of `entities` (~110 KB). This is the same `Parser`, from the package's ES
 * module build, without the rest; any other name is undefined here.
 */
export { Parser } from 'htmlparser2/dist/esm/Parser.js';
