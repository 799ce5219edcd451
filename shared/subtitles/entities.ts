/**
 * Character references in cue text (`&amp;`, `&#233;`, `&#x2014;`): the named ones WebVTT and
 * HTML services use, numeric ones of any valid code point. One decoder for the subtitle parser
 * and for reading machine-translation replies.
 */
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  lrm: "\u200e",
  rlm: "\u200f",
};

/** One reference without its `&` and `;` (`amp`, `#233`, `#xE9`); undefined when it names nothing. */
export function decodeEntity(entity: string): string | undefined {
  if (!entity.startsWith("#")) return NAMED[entity.toLowerCase()];
  const code =
    entity[1] === "x" || entity[1] === "X" ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
  if (!(code > 0) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

/** Every reference in `text` decoded; an `&` that starts none stays an `&`. */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi,
    (whole, name: string) => decodeEntity(name) ?? whole,
  );
}
