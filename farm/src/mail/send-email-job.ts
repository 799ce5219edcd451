/**
 * send_email: renders one template (shared/mail/mail-templates.ts) and hands it to the SMTP
 * server in SMTP_URL with nodemailer. A refused or unreachable server throws, so the runner
 * retries with the job policy's backoff; a rejected recipient address is permanent.
 */
import nodemailer from "nodemailer";
import { renderMail } from "../../../shared/mail/mail-templates.ts";
import type { JobHandler } from "../queue/job-runner.ts";
import { PermanentJobError } from "../queue/permanent-job-error.ts";

export interface MailSettings {
  SMTP_URL: string;
  MAIL_FROM: string;
}

/** One pooled transport per node; `connectionTimeout` keeps a dead server from holding a slot. */
export function createMailTransport(settings: MailSettings) {
  return nodemailer.createTransport({
    url: settings.SMTP_URL,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
}

export function sendEmailHandler(deps: {
  transport: ReturnType<typeof createMailTransport>;
  from: string;
  log: (line: string) => void;
}): JobHandler<"send_email"> {
  return {
    async run(job) {
      const { template, to, data } = job.payload;
      const mail = renderMail(template, data);
      try {
        const info = await deps.transport.sendMail({ from: deps.from, to, ...mail });
        deps.log(`mail ${template} sent (job ${job.id}, message ${info.messageId})`);
      } catch (err) {
        // 5xx about the recipient: the address will not start working by itself.
        const code = (err as { responseCode?: number }).responseCode;
        if (code === 550 || code === 553) {
          throw new PermanentJobError(
            `mail ${template} refused for its recipient: ${(err as Error).message}`,
          );
        }
        throw err;
      }
    },
  };
}
