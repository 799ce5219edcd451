/**
 * The account page end to end (issue 24), in Chromium against the whole local stack with
 * SIGNUP_REQUIRES_VERIFIED_EMAIL on: the banner's "send again" mails a link (read from the
 * stack's mail sink) that verifies the address; a video is uploaded and transcoded into the
 * bucket, and the owner (who asked for it) is mailed that it is ready; on /account the name,
 * the video mail setting, the address (confirmed from the link mailed to the new one, the old
 * one told), the sessions ("sign out the others") and the password change; and finally "Delete my account" behind the confirm dialog — after which
 * the video's media is gone from the bucket and the address signs up again. Screenshots in
 * test-artifacts/web/account-*.png; axe-core finds no serious or critical violation.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fixtures } from "../../farm/test/support/fixtures.ts";
import { createS3Client } from "../../shared/storage/s3-client.ts";
import { launchChromium } from "./support/chromium.ts";
import { mailFromSink, type SinkMail, sinkMails } from "./support/mail-sink.ts";
import { screenshotBoth, seriousAxeViolations } from "./support/page-checks.ts";
import { type RunningStack, startRunningStack } from "./support/running-stack.ts";
import { uploadWithTus } from "./support/tus-upload.ts";

const EMAIL = "account-owner@example.com";
const NEW_EMAIL = "account-owner-new@example.com";
const PASSWORD = "a long enough password";
const NEW_PASSWORD = "another long passphrase";

let stack: RunningStack | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startRunningStack({ SIGNUP_REQUIRES_VERIFIED_EMAIL: "true" }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 60_000);

async function verificationMails(): Promise<SinkMail[]> {
  const mails = await sinkMails(stack as RunningStack);
  return mails.filter(
    (m) => m.subject === "Confirm your email address for Movio" && m.to.some((t) => t.address === EMAIL),
  );
}

function verifyLinkIn(mail: SinkMail): string {
  const link = mail.text.match(/https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/)?.[0];
  if (!link) throw new Error(`no /verify-email link in:\n${mail.text}`);
  return link;
}

async function api(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(`${stack?.edge}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

/** Uploads a short clip through tus and waits until it is ready; returns its id. */
async function uploadReadyVideo(token: string): Promise<string> {
  const created = await api("/api/v1/videos", {
    token,
    body: { title: "Mine to delete", visibility: "public" },
  });
  expect(created.status).toBe(201);
  const { video, upload } = created.body as {
    video: { id: string };
    upload: { endpoint: string; token: string };
  };
  const bytes = fixtures.landscape(2, "320x240");
  await uploadWithTus(upload, bytes);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { body } = await api(`/api/v1/videos/${video.id}`, { token });
    if (body.status === "ready") return video.id;
    if (body.status === "failed") throw new Error(`the video failed: ${JSON.stringify(body.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the video did not become ready\n${stack?.output()}`);
}

async function objectsUnder(prefix: string): Promise<number> {
  const s3 = createS3Client({
    endpoint: `http://127.0.0.1:${stack?.ports.S3_PORT}`,
    region: "us-east-1",
    accessKeyId: "movio-local",
    secretAccessKey: "movio-local",
    forcePathStyle: true,
  });
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "movio", Prefix: prefix }));
    return listed.KeyCount ?? 0;
  } finally {
    s3.destroy();
  }
}

async function logIn(page: Page, email: string, password: string, next: RegExp): Promise<void> {
  await page.waitForURL(/\/login/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(next);
}

it("verifies from the banner, changes name, address, sessions and password, then deletes the account", async () => {
  if (!stack || !browser) throw new Error("the stack did not start");
  const edge = stack.edge;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));

  const signedUp = await api("/api/v1/auth/signup", {
    body: { email: EMAIL, password: PASSWORD, displayName: "Olive Owner" },
  });
  expect(signedUp.status).toBe(201);

  // Unverified, with SIGNUP_REQUIRES_VERIFIED_EMAIL on: the banner, and "send again" mails a link.
  await page.goto(`${edge}/account`);
  await logIn(page, EMAIL, PASSWORD, /\/account$/);
  const banner = page.locator("#verify-banner");
  await banner.waitFor({ state: "visible" });
  await page.getByText(`${EMAIL} · not verified yet`).waitFor();
  await screenshotBoth(page, "account-unverified");
  await banner.getByRole("button", { name: "Send again" }).click();
  await banner.getByText("We sent you a new link").waitFor();
  // The sign-up mail and the one "send again" asked for: the newest link verifies.
  await expect
    .poll(async () => (await verificationMails()).length, { timeout: 30_000, interval: 250 })
    .toBe(2);
  const resent = (await verificationMails()).at(-1) as SinkMail;
  await page.goto(verifyLinkIn(resent));
  await page.locator('#verify-status[data-state="verified"]').waitFor();

  // Verified: uploads are allowed; the video's media lands in the bucket.
  const session = await api("/api/v1/auth/login", { body: { email: EMAIL, password: PASSWORD } });
  const token = session.body.accessToken as string;
  // Asked for mail about videos (the page's checkbox, set here through the API first).
  expect((await api("/api/v1/me", { method: "PATCH", token, body: { videoMail: true } })).status).toBe(200);
  const videoId = await uploadReadyVideo(token);
  expect(await objectsUnder(`media/${videoId}/`)).toBeGreaterThan(3);
  const ready = await mailFromSink(stack as RunningStack, EMAIL, 'Your video "Mine to delete" is ready');
  expect(ready.text).toContain(`${edge}/watch/${videoId}`);

  // The header links to the account page; the banner is gone.
  await page.goto(`${edge}/`);
  await page.getByRole("link", { name: "Account" }).click();
  await page.waitForURL(`${edge}/account`);
  await page.getByText(`${EMAIL} · verified`).waitFor();
  expect(await banner.isVisible()).toBe(false);

  // Name and mail setting (on since the API call above: the page shows it, and turns it off).
  await page.getByLabel("Display name").fill("Olive Renamed");
  const videoMail = page.getByLabel("Mail me when one of my videos is ready or has failed");
  expect(await videoMail.isChecked()).toBe(true);
  await videoMail.uncheck();
  // Automatic captions: on by default, turned off for all the owner's videos.
  const autoCaptions = page.getByLabel("Generate captions from speech for my videos without subtitles");
  expect(await autoCaptions.isChecked()).toBe(true);
  await autoCaptions.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#account-profile-status").getByText("Saved.").waitFor();
  await page.locator("#account-name").getByText("Olive Renamed").waitFor();
  const me = await api("/api/v1/me", { token });
  expect(me.body).toMatchObject({ displayName: "Olive Renamed", videoMail: false, autoCaptions: false });

  // Sessions: the sign-up's and the API login's besides this browser's; "sign out the others"
  // ends them at once.
  await page.reload();
  await expect.poll(() => page.locator("#account-sessions li").count()).toBe(3);
  await screenshotBoth(page, "account-page");
  await page.getByRole("button", { name: "Sign out the other sessions" }).click();
  await page.getByText("Signed out 2 other sessions.").waitFor();
  await expect.poll(() => page.locator("#account-sessions li").count()).toBe(1);
  expect((await api("/api/v1/me", { token })).status).toBe(401);

  // A new address: a wrong password is explained; then the link mailed to the new address.
  await page.getByLabel("New email address").fill(NEW_EMAIL);
  await page.locator("#account-email-form").getByLabel("Current password").fill("not my password");
  await page.getByRole("button", { name: "Change address" }).click();
  await page.locator("#account-email-status").getByText("That is not your current password.").waitFor();
  await page.locator("#account-email-form").getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change address" }).click();
  await page.getByText(`We sent a link to ${NEW_EMAIL}`).waitFor();
  const notice = await mailFromSink(
    stack as RunningStack,
    EMAIL,
    "Your Movio account's email address is being changed",
  );
  expect(notice.text).toContain(NEW_EMAIL);
  const confirm = await mailFromSink(
    stack as RunningStack,
    NEW_EMAIL,
    "Confirm your new email address for Movio",
  );
  await page.goto(verifyLinkIn(confirm));
  await page.locator('#verify-status[data-state="verified"]').waitFor();
  await page.goto(`${edge}/account`);
  await page.getByText(`${NEW_EMAIL} · verified`).waitFor();

  // A new password; this browser stays signed in.
  await page.locator("#account-password-form").getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Password changed.").waitFor();
  expect((await api("/api/v1/auth/login", { body: { email: NEW_EMAIL, password: PASSWORD } })).status).toBe(
    401,
  );
  expect(
    (await api("/api/v1/auth/login", { body: { email: NEW_EMAIL, password: NEW_PASSWORD } })).status,
  ).toBe(200);

  // axe, signed in (its own browser context logs in through the form).
  const violations = await seriousAxeViolations(browser, `${edge}/account`, async (p) => {
    await logIn(p, NEW_EMAIL, NEW_PASSWORD, /\/account$/);
    await p.getByText(`${NEW_EMAIL} · verified`).waitFor();
  });
  expect(violations).toEqual([]);

  // Delete: "Keep it" keeps it; confirming deletes it, signs out and goes home.
  await page.locator("#account-delete-form").getByLabel("Password to confirm").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await screenshotBoth(page, "account-delete-dialog");
  await dialog.getByRole("button", { name: "Keep it" }).click();
  expect(
    (await api("/api/v1/auth/login", { body: { email: NEW_EMAIL, password: NEW_PASSWORD } })).status,
  ).toBe(200);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await dialog.getByRole("button", { name: "Delete my account" }).click();
  await page.waitForURL(`${edge}/`);
  await page.getByRole("link", { name: "Log in" }).waitFor();

  // The farm purges the media; the address can sign up again; the old password signs in nowhere.
  await expect.poll(() => objectsUnder(`media/${videoId}/`), { timeout: 60_000, interval: 500 }).toBe(0);
  expect((await api(`/api/v1/videos/${videoId}`)).status).toBe(404);
  expect(
    (await api("/api/v1/auth/login", { body: { email: NEW_EMAIL, password: NEW_PASSWORD } })).status,
  ).toBe(401);
  const again = await api("/api/v1/auth/signup", {
    body: { email: NEW_EMAIL, password: PASSWORD, displayName: "Back Again" },
  });
  expect(again.status).toBe(201);
  expect(pageErrors).toEqual([]);
  await page.close();
}, 300_000);
