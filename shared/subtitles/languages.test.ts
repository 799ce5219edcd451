/** languageFromTag, languageLabel and machineLabel (Intl in workerd, as in Node). */
import { describe, expect, it } from "vitest";
import { languageFromTag, languageLabel, machineLabel } from "./index.ts";

describe("languageFromTag", () => {
  it("maps ISO 639-2/B and /T codes to ISO 639-1", () => {
    const pairs: [string, string][] = [
      ["eng", "en"],
      ["fre", "fr"],
      ["fra", "fr"],
      ["ger", "de"],
      ["deu", "de"],
      ["spa", "es"],
      ["por", "pt"],
      ["ita", "it"],
      ["dut", "nl"],
      ["nld", "nl"],
      ["rus", "ru"],
      ["chi", "zh"],
      ["zho", "zh"],
      ["jpn", "ja"],
      ["kor", "ko"],
      ["ara", "ar"],
      ["hin", "hi"],
      ["ben", "bn"],
      ["tur", "tr"],
      ["pol", "pl"],
      ["ukr", "uk"],
      ["cze", "cs"],
      ["ces", "cs"],
      ["swe", "sv"],
      ["nor", "no"],
      ["dan", "da"],
      ["fin", "fi"],
      ["gre", "el"],
      ["ell", "el"],
      ["heb", "he"],
      ["per", "fa"],
      ["fas", "fa"],
      ["tha", "th"],
      ["vie", "vi"],
      ["ind", "id"],
      ["may", "ms"],
      ["msa", "ms"],
      ["hun", "hu"],
      ["rum", "ro"],
      ["ron", "ro"],
      ["bul", "bg"],
      ["hrv", "hr"],
      ["srp", "sr"],
      ["slo", "sk"],
      ["slk", "sk"],
      ["slv", "sl"],
      ["est", "et"],
      ["lav", "lv"],
      ["lit", "lt"],
      ["ice", "is"],
      ["isl", "is"],
      ["cat", "ca"],
      ["baq", "eu"],
      ["tam", "ta"],
      ["tel", "te"],
      ["urd", "ur"],
      ["tgl", "fil"] /* CLDR: tl is an alias of fil */,
      ["swa", "sw"],
      ["afr", "af"],
      ["wel", "cy"],
      ["arm", "hy"],
      ["geo", "ka"],
      ["alb", "sq"],
      ["mac", "mk"],
      ["ENG", "en"],
    ];
    for (const [tag, bcp47] of pairs) expect(languageFromTag(tag), tag).toBe(bcp47);
  });

  it("keeps three-letter codes that have no two-letter one", () => {
    expect(languageFromTag("fil")).toBe("fil");
    expect(languageFromTag("haw")).toBe("haw");
    expect(languageFromTag("yue")).toBe("yue");
  });

  it("canonicalises ISO 639-1 and BCP 47 tags, also with underscores and in any case", () => {
    expect(languageFromTag("en")).toBe("en");
    expect(languageFromTag("pt-BR")).toBe("pt-BR");
    expect(languageFromTag("pt_br")).toBe("pt-BR");
    expect(languageFromTag("PT-br")).toBe("pt-BR");
    expect(languageFromTag("zh-hant-tw")).toBe("zh-Hant-TW");
    expect(languageFromTag("por-BR")).toBe("pt-BR");
    expect(languageFromTag(" es-419 ")).toBe("es-419");
    expect(languageFromTag("iw")).toBe("he");
  });

  it("answers null for undetermined, empty, unknown and malformed tags", () => {
    for (const tag of ["und", "UND", "mul", "zxx", "mis", "qaa", "", "   ", null, undefined, "xx", "zz"]) {
      expect(languageFromTag(tag), String(tag)).toBeNull();
    }
    for (const tag of ["English", "e", "en--US", "en-", "-en", "en us", "en-US-toolongsubtag", "1en"]) {
      expect(languageFromTag(tag), tag).toBeNull();
    }
  });
});

describe("languageLabel and machineLabel", () => {
  it("name a language in itself, capitalised", () => {
    expect(languageLabel("fr")).toBe("Français");
    expect(languageLabel("pt-BR")).toBe("Português (Brasil)");
    expect(languageLabel("de")).toBe("Deutsch");
    expect(languageLabel("es")).toBe("Español");
    expect(languageLabel("en")).toBe("English");
    expect(languageLabel("ja")).toBe("日本語");
  });

  it("fall back to the tag, or to a neutral name without one", () => {
    expect(languageLabel(null)).toBe("Unknown language");
    expect(languageLabel("zz")).toBe("zz");
  });

  it("say when a track is machine translated", () => {
    expect(machineLabel("fr")).toBe("Français (auto-translated)");
    expect(machineLabel("pt-BR")).toBe("Português (Brasil) (auto-translated)");
  });
});
