/**
 * `npm start`: the whole Movio platform on loopback with embedded defaults.
 * Prints every URL and one ready line; Ctrl-C (SIGINT) or SIGTERM stops it all.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../shared/config/env-parse.ts";
import { PortInUseError } from "./local/ports.ts";
import { type RunningStack, startStack } from "./local/stack.ts";
import { readStackConfig } from "./local/stack-config.ts";

const envFile = path.resolve(import.meta.dirname, "../.env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const log = (line: string) => console.log(`[movio] ${line}`);

let stack: RunningStack | undefined;
let stopping = false;

async function shutdown(signal: string, code = 0): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  log(`${signal}: stopping…`);
  await stack?.stop();
  log("stopped");
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => void shutdown(signal));

// npm does not forward SIGTERM to the script it runs: if whoever started us goes away,
// stop the children rather than leave them holding the ports.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown("parent exited");
}, 500).unref();

try {
  const config = readStackConfig();
  stack = await startStack(config, log);
  const { urls } = stack;
  log(`web app   ${urls.edge}/   (sign up, upload, watch)`);
  log(`edge      ${urls.edge}   (health: ${urls.edge}/healthz, API docs: ${urls.edge}/doc)`);
  log(`farm      ${urls.farm}   (tus uploads at ${urls.farm}/files/)`);
  log(`cdn       ${urls.cdn}`);
  log(`s3        ${urls.s3}   (bucket ${config.S3_BUCKET})`);
  log(`database  ${urls.database}`);
  if (urls.mail)
    log(
      `mail      ${urls.mail}   (mail sink: SMTP on 127.0.0.1:${config.MAIL_SMTP_PORT}, REST at ${urls.mail}/api/email)`,
    );
  log("Movio is ready. Press Ctrl-C to stop.");
} catch (err) {
  const expected = err instanceof PortInUseError || err instanceof ConfigError;
  console.error(`[movio] failed to start: ${expected ? (err as Error).message : (err as Error).stack}`);
  await shutdown("error", 1);
}
