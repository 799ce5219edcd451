/** The API reference page: renders /openapi.json and lets you send each request. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Movio API reference</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #14171f; color: #fff; padding: 16px 24px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 20px; margin: 0; flex: 1; }
  header input { width: 420px; max-width: 100%; padding: 6px 8px; border-radius: 4px; border: 0; }
  main { max-width: 980px; margin: 0 auto; padding: 16px 24px 64px; }
  h2 { text-transform: capitalize; margin-top: 32px; }
  details { background: #fff; border: 1px solid #dfe3ea; border-radius: 6px; margin: 8px 0; }
  summary { cursor: pointer; padding: 10px 14px; display: flex; gap: 12px; align-items: center; }
  .method { font-weight: 700; font-family: ui-monospace, monospace; width: 64px; text-transform: uppercase; }
  .get { color: #1a7f37 } .post { color: #0969da } .patch { color: #9a6700 } .delete { color: #cf222e }
  .path { font-family: ui-monospace, monospace; }
  .op { padding: 0 14px 14px; }
  label { display: block; margin: 6px 0 2px; font-size: 13px; color: #57606a; }
  input.param, textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; padding: 6px; }
  textarea { min-height: 120px; }
  button { margin-top: 8px; padding: 6px 14px; background: #0969da; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  pre { background: #14171f; color: #e6edf3; padding: 10px; border-radius: 4px; overflow: auto; max-height: 400px; white-space: pre-wrap; word-break: break-all; }
  .status { font-weight: 700; }
</style>
</head>
<body>
<header>
  <h1>Movio API reference</h1>
  <label style="color:#ccc">Access token <input id="token" placeholder="paste accessToken to call protected routes"></label>
  <a href="/openapi.json" style="color:#9cd">openapi.json</a>
</header>
<main id="ops"><p>Loading /openapi.json…</p></main>
<script>
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? (node.className = v) : node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
};
function example(schema, spec) {
  if (!schema) return null;
  if (schema.$ref) return example(spec.components.schemas[schema.$ref.split("/").pop()], spec);
  if (schema.example !== undefined) return schema.example;
  if (schema.type === "object" || schema.properties) {
    const out = {};
    for (const [name, prop] of Object.entries(schema.properties || {})) out[name] = example(prop, spec);
    return out;
  }
  if (schema.type === "array") return [];
  if (schema.enum) return schema.enum[0];
  return { string: "", integer: 0, number: 0, boolean: false }[schema.type] ?? null;
}
function operation(path, method, op, spec) {
  const params = (op.parameters || []);
  const inputs = params.map((p) => {
    const input = el("input", { class: "param", "data-in": p.in, "data-name": p.name, placeholder: p.in + (p.required ? " (required)" : "") });
    return el("div", {}, el("label", {}, p.name + " · " + p.in), input);
  });
  const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
  const body = bodySchema ? el("textarea", {}, JSON.stringify(example(bodySchema, spec), null, 2)) : null;
  const output = el("pre", {}, "");
  const status = el("span", { class: "status" });
  const send = el("button", { type: "button" }, "Send request");
  send.onclick = async () => {
    let url = path;
    const query = new URLSearchParams();
    for (const input of inputs.map((d) => d.querySelector("input"))) {
      if (!input.value) continue;
      if (input.dataset.in === "path") url = url.replace("{" + input.dataset.name + "}", encodeURIComponent(input.value));
      else if (input.dataset.in === "query") query.set(input.dataset.name, input.value);
    }
    const headers = {};
    const token = document.getElementById("token").value.trim();
    if (token) headers.authorization = "Bearer " + token;
    if (body) headers["content-type"] = "application/json";
    const response = await fetch(url + (query.size ? "?" + query : ""), { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
    status.textContent = response.status + " " + response.statusText;
    const text = await response.text();
    try { output.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch { output.textContent = text; }
  };
  const responses = Object.entries(op.responses || {}).map(([code, r]) => code + " " + r.description).join(" · ");
  return el("details", {},
    el("summary", {}, el("span", { class: "method " + method }, method), el("span", { class: "path" }, path), el("span", {}, op.summary || "")),
    el("div", { class: "op" },
      op.description ? el("p", {}, op.description) : "",
      el("p", {}, el("small", {}, "Responses: " + responses + (op.security ? " · needs an access token" : ""))),
      ...inputs, body ? el("label", {}, "JSON body") : "", body || "", send, " ", status, output));
}
fetch("/openapi.json").then((r) => r.json()).then((spec) => {
  const main = document.getElementById("ops");
  main.replaceChildren(el("p", {}, (spec.info.description || "") + " Version " + spec.info.version + "."));
  const byTag = {};
  for (const [path, item] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(item)) (byTag[(op.tags || ["other"])[0]] ??= []).push(operation(path, method, op, spec));
  for (const [tag, ops] of Object.entries(byTag)) main.append(el("h2", {}, tag), ...ops);
});
</script>
</body>
</html>`;
