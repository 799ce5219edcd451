/**
 * The mails Movio sends, as text and HTML. The edge names a template and its data in a
 * `send_email` job; the farm renders it here just before sending. Every value put into the
 * HTML is escaped (a display name is user input), and links must be http(s).
 */

export const MAIL_TEMPLATES = [
  "verify_email",
  "password_reset",
  "change_email",
  "email_change_notice",
  "video_ready",
  "video_failed",
] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** `d` is the job's data: user input (names, titles, addresses) that is escaped for the HTML. */
type Data = Record<string, string>;

interface TemplateText {
  subject: (d: Data) => string;
  intro: (name: string, d: Data) => string;
  action: string;
  outro: string;
}

const TEMPLATES: Record<MailTemplate, TemplateText> = {
  verify_email: {
    subject: () => "Confirm your email address for Movio",
    intro: (name) => `Hello ${name}, please confirm that this is your email address.`,
    action: "Confirm my email address",
    outro: "The link works once and for 24 hours. If you did not sign up for Movio, ignore this mail.",
  },
  password_reset: {
    subject: () => "Reset your Movio password",
    intro: () => "Someone (we hope you) asked to reset the password of the Movio account for this address.",
    action: "Choose a new password",
    outro:
      "The link works once and for one hour; using it signs out every session. If you did not ask, ignore this mail: your password stays as it is.",
  },
  change_email: {
    subject: () => "Confirm your new email address for Movio",
    intro: (name) =>
      `Hello ${name}, please confirm that this address should become the one of your Movio account.`,
    action: "Confirm my new address",
    outro:
      "The link works once and for 24 hours; until it is opened the account keeps its old address. If you did not ask, ignore this mail.",
  },
  email_change_notice: {
    subject: () => "Your Movio account's email address is being changed",
    intro: (name, d) =>
      `Hello ${name}, someone signed in to your Movio account asked to change its address to ${d.newEmail ?? "another one"}. The change takes effect once the new address is confirmed.`,
    action: "Open my account",
    outro: "If this was not you, sign in and change your password now, then sign out the other sessions.",
  },
  video_ready: {
    subject: (d) => `Your video "${d.title ?? ""}" is ready`,
    intro: (name, d) => `Hello ${name}, your video "${d.title ?? ""}" has been processed and can be watched.`,
    action: "Watch it",
    outro: "You get this mail because you asked for it on your account page; switch it off there.",
  },
  video_failed: {
    subject: (d) => `Your video "${d.title ?? ""}" could not be processed`,
    intro: (name, d) =>
      `Hello ${name}, your video "${d.title ?? ""}" could not be processed: ${d.reason ?? "an error occurred"}.`,
    action: "Open my studio",
    outro: "You get this mail because you asked for it on your account page; switch it off there.",
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

/**
 * Renders a template; `data.link` (required, http or https), `data.displayName` (optional) and
 * what the template names (`newEmail`, `title`, `reason`).
 */
export function renderMail(template: MailTemplate, data: Record<string, string>): RenderedMail {
  const t = TEMPLATES[template];
  const link = data.link ?? "";
  if (!/^https?:\/\//.test(link)) throw new Error(`mail ${template}: data.link must be an http(s) URL`);
  const oneLine: Data = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, value.replace(/[\r\n]+/g, " ").trim()]),
  );
  const name = oneLine.displayName || "there";
  const intro = t.intro(name, oneLine);
  const text = `${intro}\n\n${t.action}:\n${link}\n\n${t.outro}\n\n— Movio\n`;
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>${escapeHtml(intro)}</p>
<p><a href="${escapeHtml(link)}">${escapeHtml(t.action)}</a></p>
<p style="color: #555">${escapeHtml(t.outro)}</p>
<p>— Movio</p>
</body></html>
`;
  return { subject: t.subject(oneLine), text, html };
}
