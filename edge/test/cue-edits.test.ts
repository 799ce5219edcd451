/** applyCueEdits: one PATCH of cues applied in memory, every refusal with the path it concerns. */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../shared/errors/api-error.ts";
import { applyCueEdits, type IndexedCue } from "../src/services/cue-edits.ts";

const cues: IndexedCue[] = [
  { index: 0, startMs: 1000, endMs: 2000, text: "one" },
  { index: 1, startMs: 3000, endMs: 4000, text: "two" },
  { index: 2, startMs: 5000, endMs: 6000, text: "three" },
];
const none = { changes: [], add: [], remove: [] };

function refusal(run: () => unknown): { path: string; message: string } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("validation_failed");
    return ((err as ApiError).details as { path: string; message: string }[])[0]!;
  }
  throw new Error("the edits were accepted");
}

describe("applyCueEdits", () => {
  it("changes, adds and removes, then sorts by start with additions after cues starting together", () => {
    const result = applyCueEdits(
      cues,
      {
        changes: [{ index: 2, startMs: 500, text: "<font>three</font> & more" }],
        add: [{ startMs: 3000, endMs: 3500, text: "added" }],
        remove: [0],
      },
      null,
    );
    expect(result).toEqual([
      { startMs: 500, endMs: 6000, text: "three &amp; more" },
      { startMs: 3000, endMs: 4000, text: "two" },
      { startMs: 3000, endMs: 3500, text: "added" },
    ]);
  });

  it("refuses unknown and repeated indexes", () => {
    expect(refusal(() => applyCueEdits(cues, { ...none, remove: [3] }, null)).path).toBe("remove.0");
    expect(refusal(() => applyCueEdits(cues, { ...none, remove: [1, 1] }, null))).toMatchObject({
      path: "remove.1",
      message: "cue 1 is already named at remove.0",
    });
    const both = { ...none, remove: [1], changes: [{ index: 1, text: "x" }] };
    expect(refusal(() => applyCueEdits(cues, both, null)).path).toBe("changes.0.index");
  });

  it("refuses times out of order or past the video's end, and text with nothing visible", () => {
    const backwards = { ...none, changes: [{ index: 0, endMs: 1000 }] };
    expect(refusal(() => applyCueEdits(cues, backwards, null))).toMatchObject({ path: "changes.0.endMs" });
    const late = { ...none, add: [{ startMs: 9000, endMs: 9500, text: "late" }] };
    expect(refusal(() => applyCueEdits(cues, late, 8000))).toMatchObject({ path: "add.0.startMs" });
    const over = { ...none, add: [{ startMs: 7000, endMs: 8500, text: "over" }] };
    expect(refusal(() => applyCueEdits(cues, over, 8000))).toMatchObject({ path: "add.0.endMs" });
    const blank = { ...none, changes: [{ index: 1, text: "<i> </i>" }] };
    expect(refusal(() => applyCueEdits(cues, blank, null))).toMatchObject({ path: "changes.0.text" });
  });

  it("may remove every cue", () => {
    expect(applyCueEdits(cues, { ...none, remove: [0, 1, 2] }, null)).toEqual([]);
  });
});
