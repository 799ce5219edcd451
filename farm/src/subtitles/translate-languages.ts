/**
 * Our BCP 47 tags → the language codes AWS Translate takes. Tracks say `pt-BR`, `en-US` or
 * `zh-Hant`; the service knows `pt`, `en` and `zh-TW` and refuses the rest as an unsupported
 * pair, so a region or script the service does not distinguish is dropped, and the few it
 * does (pt-PT, fr-CA, es-MX, zh-TW, fa-AF) are kept.
 */

// https://docs.aws.amazon.com/translate/latest/dg/what-is-languages.html
const SUPPORTED = new Set(
  (
    "af sq am ar hy az bn bs bg ca zh zh-TW hr cs da fa-AF nl en et fa tl fi fr fr-CA ka de el gu ht " +
    "ha he hi hu is id ga it ja kn kk ko lv lt mk ms ml mt mr mn no ps pl pt pt-PT pa ro ru sr si sk " +
    "sl so es es-MX sw sv ta te th tr uk ur uz vi cy"
  ).split(" "),
);

/** Tags whose meaning AWS spells differently. */
const ALIASES: Record<string, string> = {
  "zh-hant": "zh-TW",
  "zh-hk": "zh-TW",
  "zh-mo": "zh-TW",
  "zh-hant-tw": "zh-TW",
  "zh-hant-hk": "zh-TW",
  "zh-hans": "zh",
  "zh-cn": "zh",
  "zh-sg": "zh",
  "zh-hans-cn": "zh",
  nb: "no",
  nn: "no",
  fil: "tl",
  iw: "he",
  in: "id",
};

/** The code to send for a tag; a tag the service does not know is sent as-is and refused there. */
export function awsLanguageCode(tag: string): string {
  const lower = tag.trim().toLowerCase();
  const alias = ALIASES[lower];
  if (alias) return alias;
  for (const code of SUPPORTED) if (code.toLowerCase() === lower) return code;
  const primary = lower.split("-")[0] ?? lower;
  return ALIASES[primary] ?? (SUPPORTED.has(primary) ? primary : tag);
}
