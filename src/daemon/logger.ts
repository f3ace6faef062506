// The daemon's log: to logdir (rotated by size, 10 MB x 50 like the original;
// `current.log` is a symlink to the current file), and to stderr in the foreground
// (journald under systemd). log_format "text" (the default) writes one readable line
// per record: local ISO time, level, message, key=value extras; colours only on a
// terminal. "json" writes pino's JSON lines (epoch-ms `time`) for log shippers.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pino, { type Logger } from "pino";
import { prettyFactory } from "pino-pretty";
import roll from "pino-roll";

export type { Logger };

export type LogFormat = "text" | "json";

export interface LoggerOptions { logdir?: string; stderr: boolean; level: string; format?: LogFormat }

/** Keys every record has; the rest are printed as key=value after the message. */
const OWN_KEYS = new Set(["level", "time", "msg", "pid", "hostname"]);

/** A value as it reads in `key=value`: a string bare unless it has a space, quote or `=`; the rest as JSON. */
function kv(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value) ?? String(value);
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** One JSON record to one text line (the trailing newline included). */
export function textFormatter(colorize: boolean): (jsonLine: string) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: "SYS:yyyy-mm-dd'T'HH:MM:ss.lo",
    ignore: "pid,hostname",
    hideObject: true,
    messageFormat: (log, messageKey) => {
      // One record, one line: a multi-line message (a config error's list) is joined.
      const msg = String(log[messageKey] ?? "").replace(/\s*\n\s*/g, " | ");
      const extras = Object.entries(log).filter(([k]) => k !== messageKey && !OWN_KEYS.has(k)).map(([k, v]) => `${k}=${kv(v)}`);
      return [msg, ...extras].join(" ");
    },
  });
  return (line) => {
    const out = pretty(line);
    return out.endsWith("\n") ? out : `${out}\n`;
  };
}

/** A pino stream that writes each record as a text line to `dest`. */
function textStream(dest: { write(s: string): unknown }, colorize: boolean): pino.DestinationStream {
  const format = textFormatter(colorize);
  return { write: (line: string) => void dest.write(format(line)) };
}

export async function createLogger(opts: LoggerOptions): Promise<Logger> {
  const text = (opts.format ?? "text") === "text";
  const streams: pino.StreamEntry[] = [];
  if (opts.logdir) {
    await mkdir(opts.logdir, { recursive: true });
    const file = await roll({ file: path.join(opts.logdir, "plancton"), extension: ".log", size: "10m", limit: { count: 50 }, mkdir: true, symlink: true });
    streams.push({ level: "trace", stream: text ? textStream(file, false) : file });
  }
  if (opts.stderr) {
    streams.push({ level: "trace", stream: text ? textStream(process.stderr, process.stderr.isTTY === true) : process.stderr });
  }
  return pino({ level: opts.level, base: { pid: process.pid } }, pino.multistream(streams));
}
