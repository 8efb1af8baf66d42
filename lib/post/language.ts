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

// A site spells few languages and folders (bulwark: three of each in 30,197 posts), and ICU takes 5-10 µs a call.
const canonical = new Map<string, string | undefined>();
const known = new Map<string, string | undefined>();
const MAX_CACHED = 10_000;

function cached(cache: Map<string, string | undefined>, key: string, compute: (key: string) => string | undefined): string | undefined {
  if (cache.has(key)) return cache.get(key);
  const value = compute(key);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, value);
  return value;
}

/** The canonical form of a language tag (`_` read as `-`), or undefined when it is not one. */
export function canonicalLanguage(raw: string): string | undefined {
  return cached(canonical, raw, canonicalize);
}

/** The language a folder (or file-name suffix) names, canonical, when ICU knows its language; else undefined. */
export function knownLanguage(name: string): string | undefined {
  return cached(known, name, recognize);
}

/**
 * A well-formed BCP 47 language tag, by shape only (`en`, `zh-CN`, `zh-Hant-HK`): the shape xml:lang and RFC 4287
 * accept (getCanonicalLocales also takes `x-foo`, `i-klingon`).
 */
export function isLanguageTag(value: string): boolean {
  return /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/.test(value);
}

function canonicalize(raw: string): string | undefined {
  const tag = raw.trim().replaceAll('_', '-');
  // ICU checks what the shape leaves.
  if (!isLanguageTag(tag)) return undefined;
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

function recognize(name: string): string | undefined {
  const tag = isLanguageName(name) ? canonicalLanguage(name) : undefined;
  if (tag === undefined) return undefined;
  try {
    return names.of(new Intl.Locale(tag).language) === undefined ? undefined : tag;
  } catch {
    return undefined;
  }
}
