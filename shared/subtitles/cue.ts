/**
 * The shape every part of Movio uses for a subtitle cue: times in milliseconds and WebVTT cue
 * text — plain text with line breaks, and only `<i>`, `<b>` (and `<u>`) markup, HTML-escaped
 * otherwise (`&amp;`, `&lt;`, `&gt;`). Stored like this in `subtitle_cues`, published like this.
 */
export interface Cue {
  startMs: number;
  endMs: number;
  text: string;
}
