// The daemon's log: to logdir (rotated by size, 10 MB x 50 like the original;
// `current.log` is a symlink to the current file), and to stderr in the foreground
// (journald under systemd). log_format "text" (the default) writes one readable line
// per record: local ISO time, level, message, key=value extras; colours only on a
// terminal. "json" writes pino's JSON lines (epoch-ms `time`) for log shippers.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pino, { type Logger } from "pino";
import roll from "pino-roll";
import { textStream } from "./log-text.js";

export type { Logger };

export type LogFormat = "text" | "json";

export interface LoggerOptions { logdir?: string; stderr: boolean; level: string; format?: LogFormat }

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
