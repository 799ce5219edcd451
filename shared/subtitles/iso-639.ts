/**
 * ISO 639-2 codes (bibliographic /B and terminology /T, as Matroska and MP4 tag streams) of
 * the languages with an ISO 639-1 code, mapped to it: BCP 47 wants the two-letter code
 * where one exists. Three-letter codes without one (`fil`, `haw`, `yue`) are BCP 47 as they are.
 */
// biome-ignore format: a table reads better in rows
export const ISO_639_2_TO_1: Readonly<Record<string, string>> = {
  afr: "af", alb: "sq", sqi: "sq", amh: "am", ara: "ar", arg: "an", arm: "hy", hye: "hy",
  asm: "as", aze: "az", bak: "ba", baq: "eu", eus: "eu", bel: "be", ben: "bn", bos: "bs",
  bre: "br", bul: "bg", bur: "my", mya: "my", cat: "ca", ces: "cs", cze: "cs", chi: "zh",
  zho: "zh", cor: "kw", cos: "co", cym: "cy", wel: "cy", dan: "da", deu: "de", ger: "de",
  div: "dv", dut: "nl", nld: "nl", dzo: "dz", ell: "el", gre: "el", eng: "en", epo: "eo",
  est: "et", fao: "fo", fas: "fa", per: "fa", fij: "fj", fin: "fi", fra: "fr", fre: "fr",
  fry: "fy", ful: "ff", geo: "ka", kat: "ka", gla: "gd", gle: "ga", glg: "gl", glv: "gv",
  grn: "gn", guj: "gu", hat: "ht", hau: "ha", heb: "he", hin: "hi", hrv: "hr", hun: "hu",
  ibo: "ig", ice: "is", isl: "is", ind: "id", ita: "it", jav: "jv", jpn: "ja", kal: "kl",
  kan: "kn", kas: "ks", kaz: "kk", khm: "km", kin: "rw", kir: "ky", kor: "ko", kur: "ku",
  lao: "lo", lat: "la", lav: "lv", lin: "ln", lit: "lt", ltz: "lb", mac: "mk", mkd: "mk",
  mal: "ml", mao: "mi", mri: "mi", mar: "mr", may: "ms", msa: "ms", mlg: "mg", mlt: "mt",
  mon: "mn", nep: "ne", nno: "nn", nob: "nb", nor: "no", nya: "ny", oci: "oc", ori: "or",
  orm: "om", oss: "os", pan: "pa", pol: "pl", por: "pt", pus: "ps", que: "qu", roh: "rm",
  ron: "ro", rum: "ro", rus: "ru", san: "sa", sin: "si", slk: "sk", slo: "sk", slv: "sl",
  sme: "se", smo: "sm", sna: "sn", snd: "sd", som: "so", sot: "st", spa: "es", srd: "sc",
  srp: "sr", ssw: "ss", sun: "su", swa: "sw", swe: "sv", tah: "ty", tam: "ta", tat: "tt",
  tel: "te", tgk: "tg", tgl: "tl", tha: "th", tib: "bo", bod: "bo", tir: "ti", ton: "to",
  tsn: "tn", tso: "ts", tuk: "tk", tur: "tr", uig: "ug", ukr: "uk", urd: "ur", uzb: "uz",
  ven: "ve", vie: "vi", vol: "vo", wln: "wa", wol: "wo", xho: "xh", yid: "yi", yor: "yo",
  zha: "za", zul: "zu",
};

/** Codes that say "no particular language": none is better than a wrong one. */
export const UNDETERMINED = new Set(["und", "mul", "zxx", "mis", "unk", "non", "xx"]);
