/**
 * The API reference page: Scalar's API reference (from its npm package, served from our own
 * origin by the web build) rendering /openapi.json, with its "Test Request" client for trying
 * each route; paste an access token under Authentication (the `bearer` scheme).
 *
 * No inline code: the configuration is a JSON data block Scalar reads (`#api-reference`), which
 * a CSP without 'unsafe-inline' scripts allows. Scalar's external services stay off: no fonts
 * from its CDN, no telemetry, no request proxy (requests go straight to this origin), no AI
 * agent or MCP buttons.
 */
export const API_REFERENCE_CONFIG = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: "never",
  hideClientButton: false,
  persistAuth: false,
  documentDownloadType: "json",
  authentication: { preferredSecurityScheme: "bearer" },
  agent: { disabled: true },
  mcp: { disabled: true },
};

const attribute = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function docsPage(scriptUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Movio API reference</title>
</head>
<body>
<script id="api-reference" type="application/json" data-url="/openapi.json" data-configuration="${attribute(JSON.stringify(API_REFERENCE_CONFIG))}"></script>
<script src="${attribute(scriptUrl)}"></script>
</body>
</html>`;
}
