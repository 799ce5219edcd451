/** One JSON line per request (id, method, path, status, duration), at LOG_LEVEL, in LOG_FORMAT. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { call } from "./helpers.ts";

afterEach(() => vi.restoreAllMocks());

/** The suite runs at LOG_LEVEL=warn (edge/vitest.config.ts); these requests log at info. */
const INFO = { LOG_LEVEL: "info" };

/** What the Worker wrote to the console during `work`, line by line, with the console method used. */
async function captured(work: () => Promise<unknown>): Promise<{ method: string; line: string }[]> {
  const lines: { method: string; line: string }[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push({ method, line: args.map(String).join(" ") });
    });
  }
  await work();
  return lines;
}

const requestLines = (lines: { line: string }[]) =>
  lines.filter(({ line }) => line.includes('"msg":"request"')).map(({ line }) => JSON.parse(line));

describe("request log", () => {
  it("writes one JSON line per request with its id, method, path, status and duration", async () => {
    let response: Response | undefined;
    const lines = await captured(async () => {
      response = await call("GET", "/api/v1/videos/not-a-uuid?limit=3", { bindings: INFO });
    });
    expect(response?.status).toBe(400);
    const entries = requestLines(lines);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({
      level: "info",
      msg: "request",
      requestId: response?.headers.get("x-request-id"),
      method: "GET",
      path: "/api/v1/videos/not-a-uuid",
      status: 400,
    });
    expect(typeof entry.durationMs).toBe("number");
    expect(Date.parse(entry.time)).toBeGreaterThan(Date.now() - 60_000);
    // The query string (it may carry tokens) is not logged.
    expect(JSON.stringify(entry)).not.toContain("limit=3");
  });

  it("logs a request whose route is unknown with the status the client got", async () => {
    const lines = await captured(() => call("DELETE", "/no/such/route", { bindings: INFO }));
    expect(requestLines(lines)).toMatchObject([{ method: "DELETE", path: "/no/such/route", status: 404 }]);
  });

  it("drops lines below LOG_LEVEL and writes LOG_FORMAT=pretty for people", async () => {
    const quiet = await captured(() => call("GET", "/healthz", { bindings: { LOG_LEVEL: "warn" } }));
    expect(quiet.filter(({ line }) => line.includes("request"))).toEqual([]);
    const pretty = await captured(() =>
      call("GET", "/openapi.json", { bindings: { ...INFO, LOG_FORMAT: "pretty" } }),
    );
    const line = pretty.find(({ line }) => /\brequest\b/.test(line))?.line ?? "";
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO +request requestId=\S+ method=GET path=\/openapi\.json status=200 durationMs=\d+$/,
    );
  });
});
