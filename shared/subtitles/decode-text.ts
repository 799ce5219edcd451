/**
 * Bytes of a subtitle file → text. UTF-8 with or without its BOM, UTF-16 LE/BE with a BOM
 * (Windows tools save "Unicode" text that way), and UTF-16 without a BOM when the zero
 * bytes of ASCII text give it away. Anything else must be UTF-8: legacy 8-bit files are
 * refused naming the line of the first byte that is not, rather than guessed at.
 */
import { SubtitleParseError } from "./subtitle-error.ts";

export function decodeSubtitleText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decodeUtf8(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes.subarray(2), true);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes.subarray(2), false);
  if (bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[3] === 0)
    return decodeUtf16(bytes, true);
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0)
    return decodeUtf16(bytes, false);
  return decodeUtf8(bytes);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new SubtitleParseError(lineAt(bytes, at, 1, 0), "UTF-8 (or UTF-16 with a byte order mark) text");
  }
}

/** By hand: TextDecoder's UTF-16 BE support differs between runtimes. Lone surrogates are refused. */
function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const unitAt = (i: number) =>
    littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
  const fail = (offset: number) =>
    new SubtitleParseError(
      lineAt(bytes, offset, 2, littleEndian ? 0 : 1),
      "UTF-16 text (a whole, valid character)",
    );
  if (bytes.length % 2 !== 0) throw fail(bytes.length - 1);
  const parts: string[] = [];
  let units: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    const unit = unitAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 2 < bytes.length ? unitAt(i + 2) : -1;
      if (next < 0xdc00 || next > 0xdfff) throw fail(i);
      units.push(unit, next);
      i += 2;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      throw fail(i);
    } else {
      units.push(unit);
    }
    if (units.length >= 8192) {
      parts.push(String.fromCharCode(...units));
      units = [];
    }
  }
  parts.push(String.fromCharCode(...units));
  return parts.join("");
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/**
 * The 1-based line holding byte `offset`, counting LF, CRLF and lone CR line ends as the
 * parser does. `width`/`low` describe the code unit (2 and 0 for UTF-16 LE, 2 and 1 for BE).
 */
function lineAt(bytes: Uint8Array, offset: number, width: number, low: number): number {
  let line = 1;
  for (let i = 0; i + width - 1 < offset; i += width) {
    const isZeroHigh = width === 1 || bytes[i + 1 - low] === 0;
    const unit = bytes[i + low];
    if (!isZeroHigh) continue;
    if (unit === 0x0a) line++;
    else if (
      unit === 0x0d &&
      !(bytes[i + width + low] === 0x0a && (width === 1 || bytes[i + width + 1 - low] === 0))
    )
      line++;
  }
  return line;
}
