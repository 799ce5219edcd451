/**
 * Levers for bench/transcode (the faster-to-playable work, part 2): named changes to the product's encode, applied
 * to the ffmpeg arguments `encodeArgs` (farm/src/media/encode-ladder.ts) builds, so a lever
 * measures exactly "the product plus this change" and nothing under farm/ is edited.
 *
 * A plan is the product's two runs (the smallest rung with the audio, then the other rungs in
 * one pass: encode-first-playable.ts) as data: which rungs each ffmpeg run encodes, its input
 * options, per-rung preset / x264 options / scaler flags, and which runs go at once (a stage)
 * or one after another (stages). Levers rewrite the plan; `runArgs` turns one run into the
 * product's arguments with the lever's edits.
 */
import { type EncodeSource, encodeArgs } from "../farm/src/media/encode-ladder.ts";
import type { Ladder } from "../farm/src/media/ladder.ts";
import { FIRST_PREFIX } from "../farm/src/media/published-names.ts";

export interface RunSpec {
  /** "first", "rest", "rest-a"…: also the run's output directory. */
  label: string;
  /** Indices into the ladder's rungs, top first (the product's order). */
  rungs: number[];
  audio: boolean;
  /** Options before `-i` (decoder options). */
  inputOptions: string[];
  /** Per ladder rung: x264 preset replacing the ladder's. */
  preset: Record<number, string>;
  /** Per ladder rung: extra x264 options (key=value), after the product's own. */
  x264: Record<number, string[]>;
  /** Per ladder rung: swscale flags replacing `bicubic`. */
  scaleFlags: Record<number, string>;
  /** CPU list for taskset (e.g. "0"), or none. */
  cpus?: string;
  /** The product's `threads` input (0: ffmpeg's default). */
  threads: number;
  /** Extra output options appended before the muxer's. */
  extraOutput: string[];
}

export interface Plan {
  /** Runs inside a stage go at once; stages go one after another. */
  stages: RunSpec[][];
  /** Label of the run whose end is "first playable" (the one with the smallest rung). */
  firstPlayable: string;
}

export interface PlanContext {
  ladder: Ladder;
  info: EncodeSource;
  loudnessTarget: number | null;
}

function spec(label: string, rungs: number[], audio: boolean): RunSpec {
  return {
    label,
    rungs,
    audio,
    inputOptions: [],
    preset: {},
    x264: {},
    scaleFlags: {},
    threads: 0,
    extraOutput: [],
  };
}

/** The product's path as encode-first-playable.ts runs it: smallest rung + audio, then the rest. */
export function productPlan(ladder: Ladder): Plan {
  const n = ladder.rungs.length;
  const all = [...Array(n).keys()];
  if (n < 2) return { stages: [[spec("first", all, true)]], firstPlayable: "first" };
  return {
    stages: [[spec("first", [n - 1], true)], [spec("rest", all.slice(0, -1), false)]],
    firstPlayable: "first",
  };
}

/** The product's arguments for one run (as encode-first-playable.ts asks for them), with the run's edits. */
export function runArgs(run: RunSpec, ctx: PlanContext, outDir: string): string[] {
  const { ladder } = ctx;
  const top = ladder.rungs[0]!;
  const isFirst = run.label === "first";
  const args = encodeArgs({
    outDir,
    ladder: { ...ladder, rungs: run.rungs.map((i) => ladder.rungs[i]!) },
    info: ctx.info,
    loudnessTarget: ctx.loudnessTarget,
    withAudio: run.audio,
    ...(isFirst ? { filePrefix: FIRST_PREFIX } : {}),
    displayAspect: `${top.width}/${top.height}`,
    threads: run.threads,
  });
  const at = (option: string) => {
    const i = args.indexOf(option);
    if (i < 0) throw new Error(`encodeArgs no longer passes ${option}: update bench/transcode-levers.ts`);
    return i;
  };
  run.rungs.forEach((rung, k) => {
    const preset = run.preset[rung];
    if (preset) args[at(`-preset:v:${k}`) + 1] = preset;
    const flags = run.scaleFlags[rung];
    if (flags) {
      const g = at("-filter_complex") + 1;
      const before = args[g]!;
      args[g] = before.replace(new RegExp(`(\\[f${k}\\]scale=[^;]*?flags=)bicubic`), `$1${flags}`);
      if (args[g] === before) throw new Error(`no bicubic scale for [f${k}] in ${before}`);
    }
  });
  // Per-rung x264 options: the product's one -x264-params becomes one per stream (same base).
  if (run.rungs.some((r) => (run.x264[r]?.length ?? 0) > 0)) {
    const p = at("-x264-params");
    const base = args[p + 1]!;
    args.splice(p, 2);
    const perStream = run.rungs.flatMap((rung, k) => [
      `-x264-params:v:${k}`,
      [base, ...(run.x264[rung] ?? [])].join(":"),
    ]);
    args.splice(at("-f"), 0, ...perStream);
  }
  if (run.extraOutput.length > 0) args.splice(at("-f"), 0, ...run.extraOutput);
  return args;
}

type Transform = (plan: Plan, ctx: PlanContext) => Plan;

export interface Lever {
  what: string;
  apply: Transform;
}

const clone = (plan: Plan): Plan => structuredClone(plan);
const runs = (plan: Plan) => plan.stages.flat();
const firstRun = (plan: Plan) => runs(plan).find((r) => r.label === "first")!;
const restRuns = (plan: Plan) => runs(plan).filter((r) => r.label !== "first");
/** Rung indices by short side name ("1080p"). */
const rungIndex = (ctx: PlanContext, name: string) => ctx.ladder.rungs.findIndex((r) => r.name === name);

/** Adds x264 options to the rungs chosen by `pick` (ladder index, rung) in every run. */
function x264(options: string[], pick: (i: number, ctx: PlanContext) => boolean): Transform {
  return (plan, ctx) => {
    const next = clone(plan);
    for (const run of runs(next))
      for (const r of run.rungs) if (pick(r, ctx)) run.x264[r] = [...(run.x264[r] ?? []), ...options];
    return next;
  };
}

const isVeryfast = (i: number, ctx: PlanContext) => ctx.ladder.rungs[i]!.preset === "veryfast";
const isSmallest = (i: number, ctx: PlanContext) => i === ctx.ladder.rungs.length - 1;
const restVeryfast = (i: number, ctx: PlanContext) => isVeryfast(i, ctx) && !isSmallest(i, ctx);

function preset(name: string, pick: (i: number, ctx: PlanContext) => boolean): Transform {
  return (plan, ctx) => {
    const next = clone(plan);
    for (const run of runs(next)) for (const r of run.rungs) if (pick(r, ctx)) run.preset[r] = name;
    return next;
  };
}

function scaler(flags: string, pick: (i: number, ctx: PlanContext) => boolean): Transform {
  return (plan, ctx) => {
    const next = clone(plan);
    for (const run of runs(next)) for (const r of run.rungs) if (pick(r, ctx)) run.scaleFlags[r] = flags;
    return next;
  };
}

const FAST_DECODE = ["-skip_loop_filter", "all", "-flags2", "fast"];

/** Splits the rest run in two ffmpeg processes (`a` gets the named rungs), each pinned to a core. */
function splitRest(aNames: string[], pin: boolean): Transform {
  return (plan, ctx) => {
    const next = clone(plan);
    const rest = next.stages.find((s) => s.some((r) => r.label === "rest"));
    const run = rest?.find((r) => r.label === "rest");
    if (!rest || !run) throw new Error("no rest run to split");
    const a = aNames.map((n) => rungIndex(ctx, n)).filter((i) => run.rungs.includes(i));
    const b = run.rungs.filter((i) => !a.includes(i));
    const part = (label: string, rungs: number[], cpus: string) => ({
      ...structuredClone(run),
      label,
      rungs,
      ...(pin ? { cpus } : {}),
    });
    rest.splice(rest.indexOf(run), 1, part("rest-a", a, "0"), part("rest-b", b, "1"));
    return next;
  };
}

export const LEVERS: Record<string, Lever> = {
  none: { what: "the product's arguments unchanged (run by the bench's runner)", apply: (p) => clone(p) },
  "one-pass": {
    what: "the whole ladder and audio in one ffmpeg run (the product before first playable)",
    apply: (_p, ctx) => ({
      stages: [[spec("first", [...ctx.ladder.rungs.keys()], true)]],
      firstPlayable: "first",
    }),
  },
  concurrent: {
    what: "first run and rest run at once (two ffmpeg processes)",
    apply: (plan) => ({ ...clone(plan), stages: [runs(clone(plan))] }),
  },
  "first-fastdecode": {
    what: "first run decodes with -skip_loop_filter all -flags2 fast",
    apply: (plan) => {
      const next = clone(plan);
      firstRun(next).inputOptions.push(...FAST_DECODE);
      return next;
    },
  },
  "first-skiplf-noref": {
    what: "first run decodes with -skip_loop_filter noref (no deblocking on frames nothing references)",
    apply: (plan) => {
      const next = clone(plan);
      firstRun(next).inputOptions.push("-skip_loop_filter", "noref");
      return next;
    },
  },
  "first-flags2fast": {
    what: "first run decodes with -flags2 fast only",
    apply: (plan) => {
      const next = clone(plan);
      firstRun(next).inputOptions.push("-flags2", "fast");
      return next;
    },
  },
  "first-skiplf-all": {
    what: "first run decodes with -skip_loop_filter all only",
    apply: (plan) => {
      const next = clone(plan);
      firstRun(next).inputOptions.push("-skip_loop_filter", "all");
      return next;
    },
  },
  "rest-skiplf-noref": {
    what: "rest run(s) decode with -skip_loop_filter noref",
    apply: (plan) => {
      const next = clone(plan);
      for (const run of restRuns(next)) run.inputOptions.push("-skip_loop_filter", "noref");
      return next;
    },
  },
  "first-superfast": { what: "smallest rung at superfast", apply: preset("superfast", isSmallest) },
  "first-ultrafast": { what: "smallest rung at ultrafast", apply: preset("ultrafast", isSmallest) },
  "first-bilinear": {
    what: "smallest rung scaled with flags=bilinear",
    apply: scaler("bilinear", isSmallest),
  },
  "rest-bilinear": {
    what: "rest rungs scaled with flags=bilinear",
    apply: scaler("bilinear", (i, ctx) => !isSmallest(i, ctx)),
  },
  "vf-lookahead5": {
    what: "veryfast rungs (not the first): rc-lookahead=5 (preset 10)",
    apply: x264(["rc-lookahead=5"], restVeryfast),
  },
  "vf-nombtree": {
    what: "veryfast rungs (not the first): mbtree=0",
    apply: x264(["mbtree=0"], restVeryfast),
  },
  "vf-subme1": {
    what: "veryfast rungs (not the first): subme=1 (preset 2)",
    apply: x264(["subme=1"], restVeryfast),
  },
  "vf-dia": {
    what: "veryfast rungs (not the first): me=dia (preset hex)",
    apply: x264(["me=dia"], restVeryfast),
  },
  "vf-parts": {
    what: "veryfast rungs (not the first): partitions=i8x8,i4x4 (superfast's; preset adds p8x8,b8x8)",
    apply: x264(["partitions=i8x8,i4x4"], restVeryfast),
  },
  "vf-weightp0": {
    what: "veryfast rungs (not the first): weightp=0 (preset 1)",
    apply: x264(["weightp=0"], restVeryfast),
  },
  "vf-superfast": {
    what: "720p/480p/360p at superfast (preset veryfast)",
    apply: preset("superfast", restVeryfast),
  },
  "720p-superfast": {
    what: "720p at superfast (preset veryfast)",
    apply: preset("superfast", (i, ctx) => ctx.ladder.rungs[i]!.name === "720p"),
  },
  "top-ultrafast": {
    what: "1080p (and larger) rungs at ultrafast (preset superfast)",
    apply: preset("ultrafast", (i, ctx) => ctx.ladder.rungs[i]!.preset === "superfast"),
  },
  "top-aq0": {
    what: "superfast rungs: aq-mode=0 (what ultrafast turns off; PSNR/SSIM reward it)",
    apply: x264(["aq-mode=0"], (i, ctx) => ctx.ladder.rungs[i]!.preset === "superfast"),
  },
  "top-ultrafast-aq1": {
    what: "1080p (and larger) rungs at ultrafast with aq-mode=1 kept (x264's default AQ)",
    apply: (plan, ctx) => {
      const top = (i: number) => ctx.ladder.rungs[i]!.preset === "superfast";
      return x264(["aq-mode=1"], top)(preset("ultrafast", top)(plan, ctx), ctx);
    },
  },
  "top-nocabac": {
    what: "superfast rungs: cabac=0 (CAVLC, as ultrafast)",
    apply: x264(["cabac=0"], (i, ctx) => ctx.ladder.rungs[i]!.preset === "superfast"),
  },
  "top-nodeblock": {
    what: "superfast rungs: no-deblock=1 (as ultrafast)",
    apply: x264(["no-deblock=1"], (i, ctx) => ctx.ladder.rungs[i]!.preset === "superfast"),
  },
  "top-bframes0": {
    what: "superfast rungs: bframes=0 (as ultrafast)",
    apply: x264(["bframes=0"], (i, ctx) => ctx.ladder.rungs[i]!.preset === "superfast"),
  },
  "top-partitions-none": {
    what: "superfast rungs: partitions=none (superfast is already me=dia subme=1 ref=1 trellis=0)",
    apply: x264(["partitions=none"], (i, ctx) => ctx.ladder.rungs[i]!.preset === "superfast"),
  },
  "rest-sliced": {
    what: "rest rungs: sliced-threads=1 (slices instead of frame threads)",
    apply: x264(["sliced-threads=1"], (i, ctx) => !isSmallest(i, ctx)),
  },
  "rest-x264threads1": {
    what: "rest rungs: threads=1 per x264 encoder (4 encoders already run in parallel)",
    apply: x264(["threads=1"], (i, ctx) => !isSmallest(i, ctx)),
  },
  "split-1080": {
    what: "rest in two ffmpeg processes, each pinned to a core: {1080p} and {720p, 480p, 360p}",
    apply: splitRest(["2160p", "1440p", "1080p"], true),
  },
  "drop-360p": {
    what: "no 360p rung (480p → 240p step)",
    apply: dropRung("360p"),
  },
  "drop-480p": {
    what: "no 480p rung (720p → 360p step)",
    apply: dropRung("480p"),
  },
};

function dropRung(name: string): Transform {
  return (plan, ctx) => {
    const next = clone(plan);
    const i = rungIndex(ctx, name);
    for (const run of runs(next)) run.rungs = run.rungs.filter((r) => r !== i);
    next.stages = next.stages.map((s) => s.filter((r) => r.rungs.length > 0)).filter((s) => s.length > 0);
    return next;
  };
}

/** A variant is lever names joined by "+", applied left to right on the product's plan. */
export function variantPlan(variant: string, ctx: PlanContext): Plan {
  let plan = productPlan(ctx.ladder);
  for (const name of variant.split("+")) {
    const lever = LEVERS[name];
    if (!lever) throw new Error(`unknown lever ${name}; known: ${Object.keys(LEVERS).join(", ")}`);
    plan = lever.apply(plan, ctx);
  }
  return plan;
}
