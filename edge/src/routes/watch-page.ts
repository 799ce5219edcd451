/**
 * The watch page: dash.js (served by this Worker) playing the signed DASH URL, a quality
 * menu (auto + each rung), a subtitle menu (off + each track, the default one on), a start
 * time from `?t=SECONDS` (deep links into the video), the poster, seek previews from the
 * storyboard, and a plain message when the video is processing, failed or not available. The
 * video id is read from the URL; an access token in localStorage ("movio.accessToken") lets
 * owners watch private videos.
 */
export function watchPage(dashjsPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Movio</title>
<style>
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; background: #0f1115; color: #e8eaed; }
  header { padding: 12px 24px; font-weight: 700; font-size: 18px; border-bottom: 1px solid #23262d; }
  main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 48px; }
  h1 { font-size: 22px; margin: 0 0 12px; }
  .stage { position: relative; background: #000; border-radius: 8px; overflow: hidden; aspect-ratio: 16 / 9; }
  video { width: 100%; height: 100%; display: block; background: #000; }
  .message { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; text-align: center; padding: 24px; font-size: 18px; }
  .bar { display: flex; gap: 12px; align-items: center; margin-top: 10px; position: relative; }
  #seek { flex: 1; }
  #preview { position: absolute; bottom: 34px; display: none; pointer-events: none; border: 2px solid #fff; border-radius: 4px; background-repeat: no-repeat; box-shadow: 0 4px 12px #0008; }
  #preview span { position: absolute; bottom: -22px; left: 0; right: 0; text-align: center; font-size: 12px; }
  select { background: #1b1e24; color: #e8eaed; border: 1px solid #3a3f48; border-radius: 4px; padding: 4px 6px; }
  .meta { color: #9aa0a6; margin-top: 12px; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header>Movio</header>
<main>
  <h1 id="title">Loading…</h1>
  <div class="stage">
    <video id="video" controls playsinline muted></video>
    <div class="message" id="message" hidden></div>
  </div>
  <div class="bar" id="bar" hidden>
    <input id="seek" type="range" min="0" max="1000" value="0" aria-label="Seek">
    <div id="preview"><span id="preview-time"></span></div>
    <label>Quality <select id="quality"><option value="auto">Auto</option></select></label>
    <label>Subtitles <select id="subtitles"><option value="-1">Off</option></select></label>
  </div>
  <p class="meta" id="meta"></p>
</main>
<script src="${dashjsPath}"></script>
<script>
const $ = (id) => document.getElementById(id);
const videoId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const token = localStorage.getItem("movio.accessToken");
const headers = token ? { authorization: "Bearer " + token } : {};
const state = (window.movio = { ready: false, representations: [], storyboard: [], textTracks: [] });

function show(text) {
  $("message").textContent = text;
  $("message").hidden = false;
  $("bar").hidden = true;
}
const clock = (t) => Math.floor(t / 60) + ":" + String(Math.floor(t % 60)).padStart(2, "0");

async function load() {
  const res = await fetch("/api/v1/videos/" + encodeURIComponent(videoId), { headers });
  if (!res.ok) {
    $("title").textContent = "Video not available";
    return show("This video does not exist or is private.");
  }
  const video = await res.json();
  $("title").textContent = video.title;
  document.title = video.title + " · Movio";
  $("meta").textContent = video.description || "";
  if (video.status === "failed") return show("This video could not be processed: " + (video.error ? video.error.message : "unknown error"));
  if (video.status !== "ready") {
    show("This video is still " + (video.status === "processing" ? "processing" : "uploading") + " (" + video.progress + "%). It will start when it is ready.");
    return setTimeout(load, 3000);
  }
  const pb = await fetch("/api/v1/videos/" + encodeURIComponent(videoId) + "/playback", { headers });
  if (!pb.ok) return show("This video cannot be played right now.");
  play(await pb.json());
}

function play(playback) {
  const element = $("video");
  $("message").hidden = true;
  $("bar").hidden = false;
  if (playback.poster) element.poster = playback.poster;
  const player = dashjs.MediaPlayer().create();
  state.player = player;
  // Deep links (a search hit inside the subtitles): /watch/:id?t=SECONDS starts there.
  const start = Number(new URLSearchParams(location.search).get("t"));
  player.initialize(element, playback.dash, true, Number.isFinite(start) && start > 0 ? start : undefined);
  const events = dashjs.MediaPlayer.events;
  player.on(events.STREAM_INITIALIZED, () => {
    state.representations = player.getRepresentationsByType("video").slice().sort((a, b) => b.bandwidth - a.bandwidth);
    for (const rep of state.representations) {
      const option = document.createElement("option");
      option.value = rep.id;
      option.textContent = rep.height + "p · " + Math.round(rep.bandwidth / 1000) + " kbps";
      $("quality").append(option);
    }
    setUpSubtitles(player, playback.subtitles || []);
    state.ready = true;
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType === "video") state.rendered = e.newRepresentation && e.newRepresentation.height;
  });
  player.on(events.ERROR, (e) => show("Playback failed: " + ((e.error && e.error.message) || "unknown error")));
  $("quality").onchange = () => {
    const choice = $("quality").value;
    player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: choice === "auto" } } } });
    if (choice !== "auto") player.setRepresentationForTypeById("video", choice, true);
  };
  element.addEventListener("timeupdate", () => {
    if (element.duration) $("seek").value = String(Math.round((element.currentTime / element.duration) * 1000));
  });
  $("seek").oninput = () => {
    if (element.duration) element.currentTime = (Number($("seek").value) / 1000) * element.duration;
  };
  if (playback.storyboard) loadStoryboard(playback.storyboard);
}

// The manifest declares the tracks; the playback API says which one is the default.
function setUpSubtitles(player, published) {
  state.textTracks = player.getTracksFor("text");
  const menu = $("subtitles");
  menu.parentElement.hidden = state.textTracks.length === 0;
  state.textTracks.forEach((track, index) => {
    const option = document.createElement("option");
    option.value = String(index);
    option.textContent = (track.labels && track.labels[0] && track.labels[0].text) || track.lang || "Subtitles";
    menu.append(option);
  });
  const preferred = published.find((s) => s.default) || null;
  const initial = preferred ? state.textTracks.findIndex((t) => t.lang === (preferred.lang || "und")) : -1;
  const choose = (index) => {
    player.enableText(index >= 0);
    player.setTextTrack(index);
    menu.value = String(index);
    state.textTrack = index;
  };
  choose(initial);
  menu.onchange = () => choose(Number(menu.value));
}

async function loadStoryboard(url) {
  const text = await (await fetch(url)).text();
  const seconds = (s) => s.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
  const blocks = text.split(/\\n\\n+/);
  for (const block of blocks) {
    const match = /([\\d:.]+) --> ([\\d:.]+)\\s+(\\S+)#xywh=(\\d+),(\\d+),(\\d+),(\\d+)/.exec(block);
    if (match) {
      state.storyboard.push({ start: seconds(match[1]), end: seconds(match[2]), url: new URL(match[3], url).href, x: +match[4], y: +match[5], w: +match[6], h: +match[7] });
    }
  }
  const seek = $("seek");
  seek.addEventListener("mousemove", (event) => {
    const element = $("video");
    if (!element.duration || state.storyboard.length === 0) return;
    const rect = seek.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const time = fraction * element.duration;
    const cue = state.storyboard.find((c) => time >= c.start && time < c.end) || state.storyboard[state.storyboard.length - 1];
    const preview = $("preview");
    preview.style.display = "block";
    preview.style.width = cue.w + "px";
    preview.style.height = cue.h + "px";
    preview.style.backgroundImage = "url(" + JSON.stringify(cue.url) + ")";
    preview.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
    preview.style.left = Math.max(0, event.clientX - rect.left - cue.w / 2) + "px";
    $("preview-time").textContent = clock(time);
  });
  seek.addEventListener("mouseleave", () => ($("preview").style.display = "none"));
}

load().catch((err) => show("Something went wrong: " + err.message));
</script>
</body>
</html>`;
}
