/**
 * Test support: mail as a user gets it — read from the local stack's mail sink (maildev's REST
 * API, `GET /api/email`), which the farm's `send_email` jobs deliver to over SMTP.
 */
import type { RunningStack } from "./running-stack.ts";

export interface SinkMail {
  subject: string;
  text: string;
  to: { address: string }[];
}

/** Every mail the sink holds, oldest first. */
export async function sinkMails(stack: RunningStack): Promise<SinkMail[]> {
  return (await (
    await fetch(`http://127.0.0.1:${stack.ports.MAIL_WEB_PORT}/api/email`)
  ).json()) as SinkMail[];
}

/** The newest mail to `to` with `subject` (waits for the farm to send it). */
export async function mailFromSink(
  stack: RunningStack,
  to: string,
  subject: string,
  timeoutMs = 30_000,
): Promise<SinkMail> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const mails = await sinkMails(stack);
    const mail = mails.filter((m) => m.subject === subject && m.to.some((t) => t.address === to)).at(-1);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no mail "${subject}" to ${to} in the sink within ${timeoutMs} ms\n${stack.output()}`);
}
