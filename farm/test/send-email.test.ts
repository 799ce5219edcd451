/**
 * send_email: a job queued as the edge queues it is rendered and delivered over SMTP to a
 * mail sink (maildev, as the local stack runs it), read back through maildev's REST API.
 * A mail server that is down makes the job retry with backoff, and the mail arrives once
 * the server is back.
 */
import { MailDev } from "maildev";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local/ports.ts";
import { createMailTransport, sendEmailHandler } from "../src/mail/send-email-job.ts";
import { jobPolicies } from "../src/queue/job-policies.ts";
import { enqueueJob, JobQueue } from "../src/queue/job-queue.ts";
import { JobRunner } from "../src/queue/job-runner.ts";
import { closeDb, db } from "./support/farm-env.ts";
import { waitFor } from "./support/wait-for.ts";

interface SinkMail {
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
}

const runners: JobRunner[] = [];
const sinks: MailDev[] = [];
const logs: string[] = [];

afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.stop(1000);
  for (const sink of sinks.splice(0)) await sink.stop();
});
afterAll(closeDb);

async function startSink(smtp: number, web: number) {
  const sink = new MailDev({ smtp, ip: "127.0.0.1", web, webIp: "127.0.0.1", silent: true });
  await sink.start();
  sinks.push(sink);
  return sink;
}

function startRunner(smtpPort: number) {
  const from = "Movio <no-reply@movio.test>";
  const queue = new JobQueue(db(), "mail-test", 5000);
  const policies = jobPolicies({
    TRANSCODE_CONCURRENCY: 1,
    MAIL_BACKOFF_BASE_MS: 100,
    MAIL_BACKOFF_CAP_MS: 300,
  });
  const log = (line: string) => logs.push(line);
  const transport = createMailTransport({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_FROM: from });
  const runner = new JobRunner(
    queue,
    policies,
    { send_email: sendEmailHandler({ transport, from, log }) },
    {
      pollMs: 50,
      leaseMs: 5000,
      log,
    },
  );
  runner.start();
  runners.push(runner);
}

async function mailTo(webPort: number, address: string): Promise<SinkMail | undefined> {
  const response = await fetch(`http://127.0.0.1:${webPort}/api/email`);
  const mails = (await response.json()) as SinkMail[];
  return mails.find((mail) => mail.to.some((to) => to.address === address));
}

async function jobState(address: string) {
  const { rows } = await db().query<{
    state: string;
    attempts: number;
    last_error: string | null;
    data: Record<string, string>;
  }>(
    "select state, attempts, last_error, payload->'data' as data from jobs where type = 'send_email' and payload->>'to' = $1",
    [address],
  );
  return rows[0];
}

describe("send_email", () => {
  it("delivers the verification mail with its link, text and escaped HTML", async () => {
    const [smtp, web] = [await freePort(), await freePort()];
    await startSink(smtp, web);
    startRunner(smtp);
    const to = `verify-${Date.now()}@example.com`;
    const link = "http://127.0.0.1:8787/verify-email?token=abc_DEF-123&x=1";
    await enqueueJob(db(), {
      type: "send_email",
      videoId: null,
      payload: { template: "verify_email", to, data: { link, displayName: "<b>Ada</b>" } },
    });
    const mail = await waitFor(
      "the mail in the sink",
      () => mailTo(web, to),
      20_000,
      () => logs.join("\n"),
    );
    expect(mail.subject).toBe("Confirm your email address for Movio");
    expect(mail.text).toContain(link);
    expect(mail.text).toContain("Hello <b>Ada</b>");
    expect(mail.html).toContain('href="http://127.0.0.1:8787/verify-email?token=abc_DEF-123&amp;x=1"');
    expect(mail.html).toContain("Hello &lt;b&gt;Ada&lt;/b&gt;");
    expect(mail.html).not.toContain("<b>Ada</b>");
    await waitFor(
      "the job done",
      async () => ((await jobState(to))?.state === "done" ? true : undefined),
      5000,
    );
    // Sent: the finished job keeps no token (migration 0021's trigger), only the rest.
    expect((await jobState(to))?.data).toEqual({ displayName: "<b>Ada</b>" });
  });

  it("renders the account change mails with what they name", async () => {
    const [smtp, web] = [await freePort(), await freePort()];
    await startSink(smtp, web);
    startRunner(smtp);
    const to = `notice-${Date.now()}@example.com`;
    await enqueueJob(db(), {
      type: "send_email",
      videoId: null,
      payload: {
        template: "email_change_notice",
        to,
        data: { link: "http://127.0.0.1:8787/account", displayName: "Ada", newEmail: "new@example.com" },
      },
    });
    const mail = await waitFor(
      "the notice in the sink",
      () => mailTo(web, to),
      20_000,
      () => logs.join("\n"),
    );
    expect(mail.subject).toBe("Your Movio account's email address is being changed");
    expect(mail.text).toContain("to change its address to new@example.com");
    expect(mail.text).toContain("http://127.0.0.1:8787/account");
  });

  it("retries while the mail server is down and delivers once it is back", async () => {
    const [smtp, web] = [await freePort(), await freePort()];
    startRunner(smtp); // nothing listens on `smtp` yet
    const to = `down-${Date.now()}@example.com`;
    await enqueueJob(db(), {
      type: "send_email",
      videoId: null,
      payload: { template: "password_reset", to, data: { link: "http://edge.test/reset-password?token=t1" } },
    });
    const failing = await waitFor(
      "a failed attempt",
      async () => {
        const job = await jobState(to);
        return job && job.attempts >= 2 && job.state === "queued" ? job : undefined;
      },
      20_000,
      () => logs.join("\n"),
    );
    expect(failing.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(failing.data.link).toBe("http://edge.test/reset-password?token=t1"); // kept until sent
    await startSink(smtp, web);
    const mail = await waitFor(
      "the mail after the outage",
      () => mailTo(web, to),
      20_000,
      () => logs.join("\n"),
    );
    expect(mail.subject).toBe("Reset your Movio password");
    expect(mail.text).toContain("http://edge.test/reset-password?token=t1");
    // The sink has the mail a moment before the job that sent it is settled.
    const sent = await waitFor(
      "the job settled",
      async () => {
        const job = await jobState(to);
        return job?.state === "running" ? undefined : job;
      },
      10_000,
      () => logs.join("\n"),
    );
    expect(sent?.state).toBe("done");
  });
});
