/**
 * The jobs console in Chromium against the whole local stack (started as `npm start` does):
 * an operator makes an account admin with `npm run admin -- grant <email>` (no settings but
 * the stack's port), signs in through /login, retries a failed transcode from the console and
 * watches it run to done, and cancels a running transcode, which stops at its farm node's next
 * heartbeat. A non-admin gets the "admins only" notice. /admin/jobs is screenshotted at
 * 1280×800 and 390×844 (test-artifacts/web/admin-jobs-*.png, with a job's detail open too)
 * and checked with axe-core.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fixtures } from "../../farm/test/support/fixtures.ts";
import { tusUpload } from "../../farm/test/support/tus-upload.ts";
import { localPostgresUrl } from "../local/embedded-postgres.ts";
import { launchChromium } from "./support/chromium.ts";
import { screenshotBoth, seriousAxeViolations } from "./support/page-checks.ts";
import { type RunningStack, startRunningStack } from "./support/running-stack.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ADMIN = { email: "operator@example.com", password: "a long enough password" };
const OWNER = { email: "uploader@example.com", password: "another long password" };

let stack: RunningStack | undefined;
let browser: Browser | undefined;
let db: pg.Client | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    // Short leases: a running job's heartbeat comes every second (JOB_LEASE_MS / 4).
    startRunningStack({ JOB_LEASE_MS: "4000", JOB_POLL_MS: "250", FARM_HEARTBEAT_MS: "1000" }),
    launchChromium(),
  ]);
  db = new pg.Client({ connectionString: localPostgresUrl(stack.ports.PG_PORT) });
  await db.connect();
}, 180_000);

afterAll(async () => {
  if (stack) await writeFile(path.join(ROOT, "test-artifacts/admin-console-stack.log"), stack.output());
  await db?.end();
  await browser?.close();
  await stack?.stop();
}, 60_000);

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function apiJson<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const send = () =>
    fetch(`${stack!.edge}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
  // wrangler dev may close a kept-alive connection just as it is reused: once more on a fresh one.
  const response = await send().catch(() => send());
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const signUp = (who: { email: string; password: string }, displayName: string) =>
  apiJson<{ accessToken: string }>("POST", "/api/v1/auth/signup", { ...who, displayName });

/** A video uploaded with tus as any client would; returns its id once its transcode job exists. */
async function uploadVideo(token: string, title: string, file: Buffer): Promise<string> {
  const { video, upload } = await apiJson<{ video: { id: string }; upload: { token: string } }>(
    "POST",
    "/api/v1/videos",
    { title, visibility: "public" },
    token,
  );
  await tusUpload(stack!.farm, upload.token, file);
  return video.id;
}

async function transcodeJob(videoId: string) {
  const { rows } = await db!.query<{ id: string; state: string; last_error: string | null }>(
    "select id, state, last_error from jobs where type = 'transcode' and video_id = $1 order by id desc limit 1",
    [videoId],
  );
  return rows[0];
}

async function videoRow(videoId: string) {
  const { rows } = await db!.query<{ status: string; error_code: string | null }>(
    "select status, error_code from videos where id = $1",
    [videoId],
  );
  return rows[0]!;
}

/** Signs in through /login and lands on the console. */
async function signInToConsole(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${stack!.edge}/admin/jobs`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(onConsole);
}

/** The console itself, not the login page whose `?next=` names it. */
const onConsole = (url: URL) => url.pathname === "/admin/jobs";

const consoleLoaded = (page: Page) =>
  page.waitForFunction(
    () =>
      (globalThis as unknown as { movio?: { admin?: { loaded: boolean } } }).movio?.admin?.loaded === true,
  );

const rowState = (page: Page, jobId: string) => page.locator(`#job-${jobId}`).getAttribute("data-state");

let retriedVideo = "";
let retriedJob = "";

it("an admin granted with `npm run admin -- grant` retries a failed transcode from the console and it runs", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  await signUp(ADMIN, "Operator");
  const owner = await signUp(OWNER, "Uploader");
  // The operator's command, with nothing but the stack's database port (a default install needs none).
  const { stdout } = await promisify(execFile)(
    "npm",
    ["run", "--silent", "admin", "--", "grant", ADMIN.email],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PG_PORT: String(stack.ports.PG_PORT),
        MOVIO_DATA_DIR: stack.env.MOVIO_DATA_DIR!,
        DATABASE_URL: "",
      },
    },
  );
  expect(stdout).toContain(`${ADMIN.email} is now an admin`);

  // A video whose transcode failed for good: its first run completed, then the operator's
  // view of a failure is arranged the way the farm leaves one (state, error, ffmpeg's stderr).
  retriedVideo = await uploadVideo(owner.accessToken, "Harbour at dawn", fixtures.landscape(3, "640x360"));
  await until("the first transcode", async () => (await videoRow(retriedVideo)).status === "ready", 120_000);
  const job = (await transcodeJob(retriedVideo))!;
  retriedJob = job.id;
  await db!.query(
    `update jobs set state = 'failed', attempts = 3, last_error = 'ffmpeg failed: Conversion failed!',
       stderr_tail = '[h264 @ 0x55d0] error while decoding MB 12 7, bytestream -5\nConversion failed!' where id = $1`,
    [job.id],
  );
  await db!.query(
    `update job_attempts set outcome = 'failed', error = 'ffmpeg failed: Conversion failed!',
       stderr_tail = 'Conversion failed!' where job_id = $1`,
    [job.id],
  );
  await db!.query(
    `update videos set status = 'failed', error_code = 'transcode_failed',
       error_message = 'Processing failed: ffmpeg failed: Conversion failed!' where id = $1`,
    [retriedVideo],
  );

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));
  await signInToConsole(page, ADMIN);
  await consoleLoaded(page);
  await expect(page.getByRole("link", { name: "Jobs", exact: true }).isVisible()).resolves.toBe(true); // header link for admins
  await until("the failed job in the list", async () => (await rowState(page, job.id)) === "failed");

  // Its detail: the error and ffmpeg's stderr tail.
  await page
    .locator(`#job-${job.id}`)
    .getByRole("button", { name: `#${job.id} transcode` })
    .click();
  const detail = page.getByRole("dialog", { name: `Job #${job.id} · transcode` });
  await detail.getByText("error while decoding MB 12 7").waitFor();
  await screenshotBoth(page, "admin-job-detail");
  await page.setViewportSize({ width: 1280, height: 800 });
  await detail.getByRole("button", { name: "Close" }).click();

  await page.getByRole("button", { name: `Retry job ${job.id}`, exact: true }).click();
  const confirm = page.getByRole("dialog", { name: `Retry job #${job.id}?` });
  await confirm.getByRole("button", { name: "Retry job", exact: true }).click();
  // Live refresh shows it go queued → running → done, without reloading the page.
  await until("the retried job to be done", async () => (await rowState(page, job.id)) === "done", 120_000);
  expect(await videoRow(retriedVideo)).toEqual({ status: "ready", error_code: null });
  await expect(page.locator("#actions-list").textContent()).resolves.toContain(
    `${ADMIN.email} retried job #${job.id}`,
  );
  expect(pageErrors).toEqual([]);
  await page.close();
});

it("an admin cancels a running transcode from the console: it stops at the next heartbeat", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  const owner = await apiJson<{ accessToken: string }>("POST", "/api/v1/auth/login", OWNER);
  // Long enough to be running for a while on 2 cores (the ladder of a 60 s 720p source).
  const videoId = await uploadVideo(
    owner.accessToken,
    "Long harbour walk",
    fixtures.landscape(60, "1280x720"),
  );
  const job = await until("the transcode to run", async () => {
    const row = await transcodeJob(videoId);
    return row?.state === "running" ? row : undefined;
  });

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signInToConsole(page, ADMIN);
  await consoleLoaded(page);
  await until("the running job in the list", async () => (await rowState(page, job.id)) === "running");
  // The nodes panel lists the farm node with this job running.
  await expect(
    page
      .locator("#nodes-list")
      .getByRole("button", { name: `#${job.id} transcode` })
      .count(),
  ).resolves.toBe(1);
  await page.getByRole("button", { name: `Cancel job ${job.id}`, exact: true }).click();
  await page
    .getByRole("dialog", { name: `Cancel job #${job.id}?` })
    .getByRole("button", { name: "Cancel job", exact: true })
    .click();
  const askedAt = Date.now();
  await until("the job to be cancelled", async () => (await rowState(page, job.id)) === "cancelled", 15_000);
  expect(Date.now() - askedAt).toBeLessThan(10_000);
  expect(await transcodeJob(videoId)).toMatchObject({
    state: "cancelled",
    last_error: "cancelled by an admin",
  });
  expect(await videoRow(videoId)).toEqual({ status: "failed", error_code: "processing_cancelled" });
  // Nothing it made was published, and it is not retried.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expect((await transcodeJob(videoId))?.state).toBe("cancelled");
  await page.close();
});

it("shows /admin/jobs at desktop and phone sizes with no serious accessibility violation; non-admins get a notice", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signInToConsole(page, ADMIN);
  await consoleLoaded(page);
  await page.getByLabel("Live refresh").uncheck(); // still screenshots
  await screenshotBoth(page, "admin-jobs");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page
    .locator(`#job-${retriedJob}`)
    .getByRole("button", { name: `#${retriedJob} transcode` })
    .click();
  await page.getByRole("dialog").getByText("Attempts").first().waitFor();
  // Keyboard: Escape closes the dialog and the focus goes back to the row's button.
  await page.keyboard.press("Escape");
  await expect(
    page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document
          .activeElement.textContent,
    ),
  ).resolves.toBe(`#${retriedJob} transcode`);
  await page.close();

  const violations = await seriousAxeViolations(
    browser,
    `${stack.edge}/login?next=/admin/jobs`,
    async (axePage) => {
      await axePage.getByLabel("Email").fill(ADMIN.email);
      await axePage.getByLabel("Password").fill(ADMIN.password);
      await axePage.getByRole("button", { name: "Log in" }).click();
      await axePage.waitForURL(onConsole);
      await consoleLoaded(axePage);
    },
  );
  expect(violations).toEqual([]);

  const viewer = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signInToConsole(viewer, OWNER);
  await viewer.getByRole("heading", { name: "Admins only" }).waitFor();
  await expect(viewer.locator("#admin-console").isHidden()).resolves.toBe(true);
  await expect(viewer.getByRole("link", { name: "Jobs", exact: true }).isVisible()).resolves.toBe(false);
  await viewer.close();
});
