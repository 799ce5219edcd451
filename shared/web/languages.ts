/**
 * The languages the upload form and the studio offer (spoken language, subtitle files,
 * translations): common BCP 47 tags that AWS Translate also takes, named in English for the
 * menus. Used by the server-rendered pages and the browser scripts alike (Intl only).
 */
export const COMMON_LANGUAGES = [
  "en",
  "es",
  "fr",
  "de",
  "it",
  "pt",
  "pt-BR",
  "nl",
  "sv",
  "da",
  "nb",
  "fi",
  "pl",
  "cs",
  "ro",
  "hu",
  "el",
  "tr",
  "ru",
  "uk",
  "ar",
  "he",
  "hi",
  "bn",
  "id",
  "vi",
  "th",
  "ja",
  "ko",
  "zh",
  "zh-TW",
] as const;

let names: Intl.DisplayNames | undefined;

/** "fr" → "French", "pt-BR" → "Brazilian Portuguese"; the tag itself when Intl does not know it. */
export function languageName(tag: string | null | undefined): string {
  if (!tag) return "Unknown language";
  try {
    names ??= new Intl.DisplayNames(["en"], { type: "language" });
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** The menu entries, sorted by name. */
export function languageOptions(): { tag: string; name: string }[] {
  return COMMON_LANGUAGES.map((tag) => ({ tag, name: languageName(tag) })).sort((a, b) =>
    a.name.localeCompare(b.name, "en"),
  );
}
