/**
 * One HTTP `Range: bytes=…` header (`a-b`, `a-` or the suffix `-n`) against a resource of
 * `size` bytes, as RFC 9110 reads it; multi-range requests are not supported.
 * `undefined`: no header. `malformed`: not a single byte range. `unsatisfiable`: outside
 * the resource (answer 416).
 */
export type ByteRange = { start: number; end: number };

export function parseByteRange(
  header: string | undefined,
  size: number,
): ByteRange | "malformed" | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return "malformed";
  let start: number;
  let end: number;
  if (match[1] === "") {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}
