/**
 * A post's language, and the language folder of its key. Tags are canonical BCP 47 (Intl.getCanonicalLocales:
 * `zh-cn` and `zh_CN` are `zh-CN`), so posts that spell one language differently share its language feed.
 *
 * Language folders. Hugo keeps one content folder per language only when its configuration says so; Herald reads
 * the key alone, so a first folder is a language folder when its name is a language tag whose language ICU knows
 * (`en`, `zh`, `zh-CN`, `zh-HK`; not `news`, `blog`, `go` or `inside-rust`). A site whose first-level folders are
 * named like languages without being ones (an `it/` section) gives those posts the language and loses the section.
 */

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * What a folder or a file-name suffix must look like to name a language: language, optional script, optional
 * region (`zh`, `zh-Hant`, `zh-HK`, `es-419`). Variants and extensions are left to front matter: as names they
 * are words (`crates.io-incident.md` would be Ido, variant `incident`).
 */
const LANGUAGE_NAME = /^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?$/;

/** The canonical form of a language tag (`_` read as `-`), or undefined when it is not one. */
export function canonicalLanguage(raw: string): string | undefined {
  const tag = raw.trim().replaceAll('_', '-');
  // getCanonicalLocales accepts extensions and private use (`en-u-ca-x`, `x-foo`): a post's language is a plain tag.
  if (!/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/.test(tag)) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** Whether a folder or file-name suffix has the shape of a language name (see LANGUAGE_NAME). */
export function isLanguageName(name: string): boolean {
  return LANGUAGE_NAME.test(name);
}

/** The language a folder (or file-name suffix) names, canonical, when ICU knows its language; else undefined. */
export function knownLanguage(name: string): string | undefined {
  const tag = isLanguageName(name) ? canonicalLanguage(name) : undefined;
  if (tag === undefined) return undefined;
  try {
    return names.of(new Intl.Locale(tag).language) === undefined ? undefined : tag;
  } catch {
    return undefined;
  }
}
