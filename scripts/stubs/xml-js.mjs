/**
 * xml-js, as feed sees it: feed writes its RSS and Atom with `js2xml` and calls nothing else. The package's
 * index also loads `json2xml` and the XML readers (`xml2js`, `xml2json`), and with them the sax parser
 * (~28 KB).
 */
import js2xml from 'xml-js/lib/js2xml.js';
import notBundled from './not-bundled.cjs';

function refuse() {
  throw notBundled('xml-js', 'feed called an xml-js function other than js2xml');
}

export { js2xml };
export const json2xml = refuse;
export const xml2js = refuse;
export const xml2json = refuse;
