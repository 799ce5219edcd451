/**
 * One structured logger for the edge (Workers) and the farm (Node): one line per event, JSON
 * by default (`{"time","level","msg",…fields}`, what log collectors and Workers Logs index),
 * or `pretty` for people reading a terminal (the local stack). Levels below LOG_LEVEL are
 * dropped. No `node:` import: it writes through `console`, which both runtimes have.
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  /** Whether a line of this level would be written (skip building costly fields otherwise). */
  enabled(level: LogLevel): boolean;
  /** A logger whose every line also carries `fields` (e.g. the farm node, a request id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Fields on every line. */
  fields?: LogFields;
  /** Where a finished line goes (default: console, warn and error to its error stream). */
  write?: (line: string, level: LogLevel) => void;
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? "info"];
  const format = options.format ?? "json";
  const write = options.write ?? writeToConsole;
  const now = options.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const log = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (RANK[level] < threshold) return;
      const all = fields ? { ...base, ...fields } : base;
      const time = now();
      write(format === "json" ? jsonLine(time, level, msg, all) : prettyLine(time, level, msg, all), level);
    };
    return {
      log,
      debug: (msg, fields) => log("debug", msg, fields),
      info: (msg, fields) => log("info", msg, fields),
      warn: (msg, fields) => log("warn", msg, fields),
      error: (msg, fields) => log("error", msg, fields),
      enabled: (level) => RANK[level] >= threshold,
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

function writeToConsole(line: string, level: LogLevel): void {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** Errors as `{name, message}` (their stack only at debug level is the caller's choice), bigints as strings. */
function plain(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

function jsonLine(time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const entry = { time: time.toISOString(), level, msg, ...fields };
  try {
    return JSON.stringify(entry, plain);
  } catch {
    // A field that cannot be serialised (a cycle) must not cost the line.
    return JSON.stringify({ time: entry.time, level, msg, unserialisable: Object.keys(fields) });
  }
}

function prettyLine(time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const parts = [time.toISOString().slice(11, 23), level.toUpperCase().padEnd(5), msg];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value, plain);
    parts.push(`${key}=${/[\s"=]/.test(text ?? "") ? JSON.stringify(text) : text}`);
  }
  return parts.join(" ");
}
