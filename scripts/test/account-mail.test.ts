/**
 * Mailed links end to end, in Chromium against the whole local stack (started as `npm start`
 * does, with its mail sink): sign up through the form, read the verification mail from the
 * sink's REST API (maildev, `GET /api/email` on the stack's MAIL_WEB_PORT), open its link and
 * see the account verified; then forget the password, ask for a link on /reset-password, open
 * it from the mail, choose a new password and log in with it. Pages are screenshotted at both
 * sizes (test-artifacts/web/<name>-<width>.png).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.ts";
import { mailFromSink, type SinkMail } from "./support/mail-sink.ts";
import { screenshotBoth } from "./support/page-checks.ts";
import { type RunningStack, startRunningStack } from "./support/running-stack.ts";

const EMAIL = "mailed-links@example.com";
const PASSWORD = "a long enough password";
const NEW_PASSWORD = "a brand new passphrase";

let stack: RunningStack | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startRunningStack(), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 60_000);

function linkIn(mail: SinkMail, page: string): string {
  const link = mail.text.match(new RegExp(`https?://\\S+${page}\\?token=[A-Za-z0-9_-]+`))?.[0];
  if (!link) throw new Error(`no ${page} link in:\n${mail.text}`);
  return link;
}

async function login(password: string) {
  const response = await fetch(`${stack?.edge}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: EMAIL, password }),
  });
  return { status: response.status, body: (await response.json()) as { user?: { emailVerified: boolean } } };
}

async function newPage(): Promise<Page> {
  const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
  return page;
}

it("verifies the address from the mailed link", async () => {
  const edge = stack?.edge as string;
  const page = await newPage();
  await page.goto(`${edge}/signup`);
  await page.getByLabel("Display name").fill("Mia Mailer");
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${edge}/`);
  expect((await login(PASSWORD)).body.user?.emailVerified).toBe(false);

  const mail = await mailFromSink(stack as RunningStack, EMAIL, "Confirm your email address for Movio");
  expect(mail.text).toContain("Hello Mia Mailer");
  const link = linkIn(mail, "/verify-email");
  expect(link.startsWith(`${edge}/verify-email?token=`)).toBe(true);
  await page.goto(link);
  await page.locator('#verify-status[data-state="verified"]').waitFor();
  expect(await page.locator("#verify-status").textContent()).toContain("is verified");
  // The token is taken out of the address bar once read.
  expect(page.url()).toBe(`${edge}/verify-email`);
  await screenshotBoth(page, "verify-email-done");
  expect((await login(PASSWORD)).body.user?.emailVerified).toBe(true);

  // The same link again: explained, with "send again".
  await page.goto(link);
  await page.locator("#verify-resend").waitFor({ state: "visible" });
  expect(await page.locator("#verify-status").textContent()).toContain("already used");
  await screenshotBoth(page, "verify-email-used");
  await page.close();
}, 90_000);

it("resets a forgotten password from the mailed link", async () => {
  const edge = stack?.edge as string;
  const page = await newPage();
  await page.goto(`${edge}/login`);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.waitForURL(`${edge}/reset-password`);
  await page.getByLabel("Email").fill(EMAIL);
  await screenshotBoth(page, "reset-password-request");
  await page.getByRole("button", { name: "Mail me a reset link" }).click();
  await page.getByText("If an account uses that address").waitFor();

  const mail = await mailFromSink(stack as RunningStack, EMAIL, "Reset your Movio password");
  await page.goto(linkIn(mail, "/reset-password"));
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await screenshotBoth(page, "reset-password-form");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await page.locator('#reset-status[data-state="reset"]').waitFor();
  await screenshotBoth(page, "reset-password-done");

  expect((await login(PASSWORD)).status).toBe(401);
  await page.getByRole("link", { name: "Log in with the new password" }).click();
  await page.waitForURL(`${edge}/login`);
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${edge}/`);
  await page.close();
}, 90_000);
