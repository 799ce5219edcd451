/**
 * Why a subtitle file was refused: the first bad line (1-based, as an editor numbers it) and
 * what was expected there, so an uploader can fix the file. The edge answers it as 422
 * `subtitle_invalid`; the farm fails only the track it came from.
 */
export class SubtitleParseError extends Error {
  override name = "SubtitleParseError";

  constructor(
    /** 1-based line number in the decoded text. */
    readonly line: number,
    /** What the parser expected at that line, e.g. `a cue timing line such as "…"`. */
    readonly expected: string,
    /** The line as found (shortened), when there is one. */
    readonly found?: string,
  ) {
    super(`line ${line}: expected ${expected}${found === undefined ? "" : `, found "${shorten(found)}"`}`);
  }
}

/** At most 60 characters, without control characters, so the message stays one readable line. */
function shorten(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, "?");
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
