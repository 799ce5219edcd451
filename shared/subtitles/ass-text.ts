/**
 * ASS/SSA dialogue text (what ffmpeg hands over for subrip, ass, ssa and mov_text streams)
 * → Cue text. ASS is not markup: `<` and `&` are literal characters. Every `{…}` block is
 * an override block or a comment and is never shown; its italic/bold/underline toggles
 * become tags, `\N` and `\n` line breaks, `\h` a space. Drawings (`{\p1}…{\p0}`) are vector
 * commands, not text, and go.
 */
import { overrideBlock, sanitizeCueText } from "./cue-text.ts";

export function assTextToCueText(text: string): string {
  let markup = "";
  let drawing = false;
  for (const part of text.split(/(\{[^{}]*\})/)) {
    if (part.startsWith("{") && part.endsWith("}")) {
      const scale = /\\p(\d+)/.exec(part);
      if (scale) drawing = scale[1] !== "0";
      for (const token of overrideBlock(part)) {
        markup += "open" in token ? `<${token.open}>` : "close" in token ? `</${token.close}>` : "";
      }
    } else if (!drawing) {
      markup += escapeHtml(part)
        .replace(/\\[Nn]/g, "\n")
        .replace(/\\h/g, " ");
    }
  }
  return sanitizeCueText(markup);
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
