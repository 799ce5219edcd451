/**
 * The mails Movio sends, as text and HTML. The edge names a template and its data in a
 * `send_email` job; the farm renders it here just before sending. Every value put into the
 * HTML is escaped (a display name is user input), and links must be http(s).
 */

export const MAIL_TEMPLATES = ["verify_email", "password_reset"] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface TemplateText {
  subject: string;
  intro: (name: string) => string;
  action: string;
  outro: string;
}

const TEMPLATES: Record<MailTemplate, TemplateText> = {
  verify_email: {
    subject: "Confirm your email address for Movio",
    intro: (name) => `Hello ${name}, please confirm that this is your email address.`,
    action: "Confirm my email address",
    outro: "The link works once and for 24 hours. If you did not sign up for Movio, ignore this mail.",
  },
  password_reset: {
    subject: "Reset your Movio password",
    intro: () => "Someone (we hope you) asked to reset the password of the Movio account for this address.",
    action: "Choose a new password",
    outro:
      "The link works once and for one hour; using it signs out every session. If you did not ask, ignore this mail: your password stays as it is.",
  },
};

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Renders a template; `data.link` (required, http or https) and `data.displayName` (optional). */
export function renderMail(template: MailTemplate, data: Record<string, string>): RenderedMail {
  const t = TEMPLATES[template];
  const link = data.link ?? "";
  if (!/^https?:\/\//.test(link)) throw new Error(`mail ${template}: data.link must be an http(s) URL`);
  const name = (data.displayName ?? "").replace(/[\r\n]+/g, " ").trim() || "there";
  const intro = t.intro(name);
  const text = `${intro}\n\n${t.action}:\n${link}\n\n${t.outro}\n\n— Movio\n`;
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>${escapeHtml(intro)}</p>
<p><a href="${escapeHtml(link)}">${escapeHtml(t.action)}</a></p>
<p style="color: #555">${escapeHtml(t.outro)}</p>
<p>— Movio</p>
</body></html>
`;
  return { subject: t.subject, text, html };
}
