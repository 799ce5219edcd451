/**
 * What Gcore's query-string forwarding does to text the player reads: every relative URL
 * inside a DASH manifest, an HLS playlist or a WebVTT track gets the request's token query,
 * so each segment, playlist and sprite request the player makes carries the token too.
 */
export function rewriteForToken(key: string, body: string, query: string): string {
  if (!query) return body;
  const withQuery = (url: string) =>
    /^[a-z]+:|^\/\/|^data:/i.test(url) ? url : `${url}${url.includes("?") ? "&" : "?"}${query}`;
  if (key.endsWith(".mpd")) {
    return body
      .replace(
        /\b(initialization|media)="([^"]+)"/g,
        (_, attr: string, url: string) => `${attr}="${withQuery(url)}"`,
      )
      .replace(/<BaseURL>([^<]+)<\/BaseURL>/g, (_, url: string) => `<BaseURL>${withQuery(url)}</BaseURL>`);
  }
  if (key.endsWith(".m3u8")) {
    return body
      .split("\n")
      .map((line) => {
        if (line.trim() === "") return line;
        if (line.startsWith("#"))
          return line.replace(/URI="([^"]+)"/g, (_, url: string) => `URI="${withQuery(url)}"`);
        return withQuery(line.trim());
      })
      .join("\n");
  }
  if (key.endsWith(".vtt") && /(^|\/)storyboard[^/]*\.vtt$/.test(key)) {
    // Storyboard cues point at sprite sheets: "storyboard-00.jpg#xywh=…". Subtitle files hold
    // words, never URLs: a cue reading "holiday.jpg" must stay as it is.
    return body.replace(
      /^([^\s#][^\s]*?\.(?:jpg|jpeg|png|webp))(#[^\s]*)?$/gim,
      (_, url: string, fragment = "") => `${withQuery(url)}${fragment}`,
    );
  }
  return body;
}

export const isRewritten = (key: string) => /\.(mpd|m3u8|vtt)$/i.test(key);
