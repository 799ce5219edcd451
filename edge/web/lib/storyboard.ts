/**
 * Seek previews: the storyboard is a WebVTT file whose cues point into sprite sheets with
 * `#xywh=`; hovering the seek bar shows the thumbnail of that moment.
 */
import { clock } from "../../../shared/web/format.ts";
import { storyboardIds } from "../../../shared/web/pages/storyboard-contract.ts";
import { byId } from "./dom.ts";

interface Tile {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const seconds = (stamp: string) => stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
const CUE = /([\d:.]+) --> ([\d:.]+)\s+(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/;

export async function loadStoryboard(url: string, video: HTMLVideoElement, seek: HTMLElement): Promise<void> {
  const text = await (await fetch(url)).text();
  const tiles: Tile[] = [];
  for (const block of text.split(/\n\n+/)) {
    const m = CUE.exec(block);
    if (!m) continue;
    tiles.push({
      start: seconds(m[1]!),
      end: seconds(m[2]!),
      url: new URL(m[3]!, url).href,
      x: Number(m[4]),
      y: Number(m[5]),
      w: Number(m[6]),
      h: Number(m[7]),
    });
  }
  (window as unknown as { movio: { storyboard: Tile[] } }).movio.storyboard = tiles;
  const preview = byId(storyboardIds.preview);
  seek.addEventListener("mousemove", (event) => {
    if (!video.duration || tiles.length === 0) return;
    const rect = seek.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const time = fraction * video.duration;
    const tile = tiles.find((t) => time >= t.start && time < t.end) ?? tiles[tiles.length - 1]!;
    preview.style.display = "block";
    preview.style.width = `${tile.w}px`;
    preview.style.height = `${tile.h}px`;
    preview.style.backgroundImage = `url(${JSON.stringify(tile.url)})`;
    preview.style.backgroundPosition = `${-tile.x}px ${-tile.y}px`;
    preview.style.left = `${Math.max(0, event.clientX - rect.left - tile.w / 2)}px`;
    byId(storyboardIds.previewTime).textContent = clock(time * 1000);
  });
  seek.addEventListener("mouseleave", () => {
    preview.style.display = "none";
  });
}
