/**
 * Language tags → BCP 47 (`en`, `pt-BR`), and the names tracks are labelled with. Stream
 * tags are ISO 639-2 (`eng`, `fre`/`fra`), users type ISO 639-1 or BCP 47 in any case and
 * with `_` (`pt_br`); all become one canonical tag, so one language is one track.
 * Intl (ICU) is in Node and workerd alike; nothing here needs more.
 * Only tags with a meaning everyone shares are kept: private-use parts (`x-…`, languages
 * qaa–qtz, regions AA/QM–QZ/XA–XZ/ZZ, scripts Qaaa–Qabx/Zzzz), extensions (`u-…`) and subtags
 * ICU does not know are refused (null), so one language cannot hide behind many spellings.
 */
import { ISO_639_2_TO_1, UNDETERMINED } from "./iso-639.ts";

/** The longest tag the job payloads and the database take. */
const MAX_TAG_LENGTH = 35;

const knownNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });

/** A canonical BCP 47 tag, or null for `und`, empty, unknown or malformed tags. */
export function languageFromTag(tag: string | null | undefined): string | null {
  const cleaned = (tag ?? "").trim().replace(/_/g, "-");
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(cleaned)) return null;
  const [primary = "", ...rest] = cleaned.split("-");
  const lower = primary.toLowerCase();
  // qaa–qtz are reserved for local use: nobody else knows what they mean.
  if (UNDETERMINED.has(lower) || /^q[a-t][a-z]$/.test(lower)) return null;
  let canonical: string | undefined;
  try {
    [canonical] = Intl.getCanonicalLocales([ISO_639_2_TO_1[lower] ?? lower, ...rest].join("-"));
  } catch {
    return null;
  }
  if (!canonical || canonical.length > MAX_TAG_LENGTH) return null;
  const subtags = canonical.split("-");
  // A one-letter subtag starts private use (`x`) or an extension (`u`, `t`): not a language.
  if (subtags.some((part) => part.length === 1) || subtags.slice(1).some(privateUse)) return null;
  if (knownNames.of(subtags[0]!) === undefined) return null;
  // The whole tag must have a name: an unknown region, script or variant has none.
  try {
    return knownNames.of(canonical) === undefined ? null : canonical;
  } catch {
    return null;
  }
}

/** Region and script subtags reserved for private use, and the "unknown" ones. */
function privateUse(subtag: string): boolean {
  const upper = subtag.toUpperCase();
  if (subtag.length === 2) return /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/.test(upper);
  if (subtag.length === 4) return /^(QAA[A-Z]|QAB[A-X]|ZZZZ)$/.test(upper);
  return false;
}

const displayNames = new Map<string, Intl.DisplayNames>();

/** The language's name in itself: `fr` → "Français", `pt-BR` → "Português (Brasil)". */
export function languageLabel(bcp47: string | null | undefined): string {
  if (!bcp47) return "Unknown language";
  try {
    let names = displayNames.get(bcp47);
    if (!names) {
      names = new Intl.DisplayNames([bcp47], { type: "language" });
      displayNames.set(bcp47, names);
    }
    const name = names.of(bcp47);
    if (name && name.toLowerCase() !== bcp47.toLowerCase()) {
      return name.charAt(0).toLocaleUpperCase(bcp47) + name.slice(1);
    }
  } catch {
    // A tag Intl cannot handle is its own label.
  }
  return bcp47;
}

/** The label of a track generated from speech, which must say so: "English (auto-generated)". */
export function autoLabel(bcp47: string | null): string {
  return bcp47 ? `${languageLabel(bcp47)} (auto-generated)` : "Auto-generated captions";
}

/** The label of a machine-translated track, which must say so: "Français (auto-translated)". */
export function machineLabel(bcp47: string): string {
  return `${languageLabel(bcp47)} (auto-translated)`;
}
