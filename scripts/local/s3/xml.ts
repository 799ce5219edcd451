/** Minimal XML for S3 responses and the two request bodies we parse. */
const escapeXml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export type XmlNode = string | number | boolean | undefined | XmlNode[] | { [tag: string]: XmlNode };

export function toXml(root: string, body: { [tag: string]: XmlNode }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${render(body)}</${root}>`;
}

function render(node: XmlNode): string {
  if (node === undefined) return "";
  if (Array.isArray(node)) return node.map(render).join("");
  if (typeof node === "object") {
    return Object.entries(node)
      .map(([tag, value]) =>
        Array.isArray(value)
          ? value.map((v) => `<${tag}>${render(v)}</${tag}>`).join("")
          : value === undefined
            ? ""
            : `<${tag}>${render(value)}</${tag}>`,
      )
      .join("");
  }
  return escapeXml(String(node));
}

/** Every text value of `<tag>` in document order (enough for CompleteMultipartUpload/Delete). */
export function tagValues(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g");
  return [...xml.matchAll(pattern)].map((m) =>
    (m[1] ?? "")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&"),
  );
}

/** The inner XML of each `<tag>` element. */
export function elements(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => m[1] ?? "");
}
