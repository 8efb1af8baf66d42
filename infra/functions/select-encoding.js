// Herald: CloudFront Function (cloudfront-js-2.0, viewer-request). Every published feed file has precompressed
// variants beside it (`rss.xml.br`, `rss.xml.gz`, written by lib/publish.ts); this points a viewer that accepts
// Brotli or gzip at one, since CloudFront compresses none of Atom, JSON Feed or OPML itself. The variant is its
// own object with its own ETag, so conditional GETs work per variant. `herald serve` (lib/serve/server.ts)
// applies the same rule, and tests/infra/select-encoding.test.ts runs this file against both.

const VARIANT_NAMES = ['rss.xml', 'atom.xml', 'feed.json', 'index.html', 'feeds.opml', 'feed.css'];

// Brotli when accepted, else gzip, else none; `q=0` means "not acceptable".
function chooseEncoding(header) {
  const accepted = {};
  // Indexed loops: the runtime has ES 5.1 statements plus const/let, not for-of.
  const parts = header.toLowerCase().split(',');
  for (let i = 0; i < parts.length; i++) {
    const params = parts[i].split(';');
    let q = 1;
    for (let j = 1; j < params.length; j++) {
      const param = params[j].trim();
      if (param.indexOf('q=') === 0) q = Number(param.slice(2));
    }
    if (q > 0) accepted[params[0].trim()] = true;
  }
  if (accepted.br) return 'br';
  if (accepted.gzip) return 'gzip';
  return '';
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls it.
function handler(event) {
  const request = event.request;
  const header = request.headers['accept-encoding'];
  const encoding = header ? chooseEncoding(header.value) : '';
  if (encoding === '') return request;
  let uri = request.uri;
  // A folder's page is its index.html (the distribution's default root object for `/`).
  if (uri.charAt(uri.length - 1) === '/') uri += 'index.html';
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  if (VARIANT_NAMES.indexOf(name) === -1) return request;
  request.uri = uri + (encoding === 'br' ? '.br' : '.gz');
  return request;
}
