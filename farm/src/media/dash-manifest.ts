/** Reads the renditions back from the DASH manifest ffmpeg wrote: what is recorded is what plays. */
export interface ManifestRendition {
  representationId: string;
  kind: "video" | "audio";
  width: number | null;
  height: number | null;
  bandwidth: number;
  codecs: string;
}

export function renditionsFromMpd(mpd: string): ManifestRendition[] {
  const out: ManifestRendition[] = [];
  for (const match of mpd.matchAll(/<Representation\b([^>]*)>/g)) {
    const attrs = Object.fromEntries(
      [...(match[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    out.push({
      representationId: attrs.id ?? String(out.length),
      kind: attrs.mimeType?.startsWith("audio") ? "audio" : "video",
      width: attrs.width ? Number(attrs.width) : null,
      height: attrs.height ? Number(attrs.height) : null,
      bandwidth: Number(attrs.bandwidth ?? 0),
      codecs: attrs.codecs ?? "",
    });
  }
  return out;
}
