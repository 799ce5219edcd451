/**
 * The local mail sink: maildev (npm), in-process like the local S3 and CDN. SMTP takes every
 * mail the farm sends; its web UI and REST API (`GET /api/email`) show them. Loopback only.
 */
import { MailDev } from "maildev";

export interface MailSink {
  smtpUrl: string;
  webUrl: string;
  close(): Promise<void>;
}

export async function startMailSink(options: { smtpPort: number; webPort: number }): Promise<MailSink> {
  const maildev = new MailDev({
    smtp: options.smtpPort,
    ip: "127.0.0.1",
    web: options.webPort,
    webIp: "127.0.0.1",
    silent: true,
  });
  await maildev.start();
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    webUrl: `http://127.0.0.1:${options.webPort}`,
    close: () => maildev.stop(),
  };
}
