// Files bundled as text by the `[[rules]] type = "Text"` entries in wrangler.toml.
declare module "*/dash.all.min.js" {
  const source: string;
  export default source;
}
