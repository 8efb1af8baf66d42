/**
 * The page of a term on the site, which a term feed links as its `link` (RSS), alternate link (Atom) and
 * `home_page_url` (JSON Feed). Herald's feed folders use their own injective slugs (lib/post/terms.ts); a
 * site's pages follow its generator, so the `:slug` of a link pattern is the term as Hugo spells it in a URL.
 */

/**
 * Hugo's `urlize` of a term (helpers.PathSpec.MakePathSanitized): letters, marks, decimal digits and `. / \ _ # + ~ - @`
 * kept, `%XX` kept, every run of spaces one `-` (none after a `-` or at the start), anything else dropped,
 * then lower-cased.
 */
export function hugoUrlize(name: string): string {
  const chars = [...name];
  let out = '';
  let pendingHyphen = false;
  let wasHyphen = false;
  chars.forEach((char, i) => {
    const allowed =
      /^[\p{L}\p{Nd}\p{M}./\\_#+~\-@]$/u.test(char) ||
      (char === '%' && /^[0-9A-Fa-f]$/.test(chars[i + 1] ?? '') && /^[0-9A-Fa-f]$/.test(chars[i + 2] ?? ''));
    if (allowed) {
      wasHyphen = char === '-';
      if (pendingHyphen && !wasHyphen) out += '-';
      pendingHyphen = false;
      out += char;
    } else if (out !== '' && !wasHyphen && /^\s$/u.test(char)) pendingHyphen = true;
  });
  return out.toLowerCase();
}

/**
 * `pattern` (a path relative to `baseUrl`, `/tags/:slug/`) for this term, resolved against `baseUrl`. The slug is one
 * segment (a `/` in it escaped), never `.` or `..`, which would resolve to another page.
 */
export function termPageUrl(pattern: string, name: string, baseUrl: string): string {
  const slug = hugoUrlize(name);
  const path = pattern
    .replaceAll(':slug', slug === '.' || slug === '..' ? '' : encodeURIComponent(slug))
    .replace(/\/{2,}/g, '/')
    .replace(/^\//, '');
  return new URL(path, baseUrl).href;
}
