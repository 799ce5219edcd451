/**
 * Our BCP 47 tags ↔ Amazon Transcribe's language codes (batch jobs). Transcribe wants a
 * region (`en-US`, `pt-BR`): a tag with one it knows is sent as it is, a bare language gets
 * its most common variant, and a language Transcribe does not recognise has no code — the
 * track is `unsupported` without a call. Back from Transcribe (an identified language), the
 * code is kept whole: `en-GB` is a fine subtitle language.
 */

// https://docs.aws.amazon.com/transcribe/latest/dg/supported-languages.html (batch)
const SUPPORTED = new Set(
  (
    "af-ZA ar-AE ar-SA ca-ES cs-CZ da-DK de-CH de-DE el-GR en-AB en-AU en-GB en-IE en-IN en-NZ " +
    "en-US en-WL en-ZA es-ES es-US eu-ES fa-IR fi-FI fr-CA fr-FR gl-ES he-IL hi-IN hr-HR hu-HU " +
    "id-ID it-IT ja-JP ko-KR lv-LV ms-MY nl-NL no-NO pl-PL pt-BR pt-PT ro-RO ru-RU sk-SK sr-RS " +
    "sv-SE ta-IN te-IN th-TH tl-PH tr-TR uk-UA vi-VN zh-CN zh-TW"
  ).split(" "),
);

/** The variant a bare language is transcribed as. */
const DEFAULT_REGION: Record<string, string> = {
  en: "en-US",
  es: "es-US",
  fr: "fr-FR",
  de: "de-DE",
  pt: "pt-BR",
  ar: "ar-SA",
  zh: "zh-CN",
  "zh-hant": "zh-TW",
  "zh-hans": "zh-CN",
  nb: "no-NO",
  fil: "tl-PH",
  iw: "he-IL",
};

/** Transcribe's code for a tag, or undefined when Transcribe cannot recognise that language. */
export function transcribeLanguageCode(tag: string): string | undefined {
  const lower = tag.trim().toLowerCase();
  for (const code of SUPPORTED) if (code.toLowerCase() === lower) return code;
  const alias = DEFAULT_REGION[lower];
  if (alias) return alias;
  const primary = lower.split("-")[0] ?? lower;
  if (DEFAULT_REGION[primary]) return DEFAULT_REGION[primary];
  const variants = [...SUPPORTED].filter((code) => code.split("-")[0] === primary);
  return variants.length === 1 ? variants[0] : undefined;
}

/** Whether two tags name the same language (`en` and `en-GB` do). */
export function sameLanguage(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  return a.toLowerCase().split("-")[0] === b.toLowerCase().split("-")[0];
}
