// The daemon's log: pino JSON lines to logdir/plancton.log (rotated by size, 10 MB x 50
// like the original; `plancton.log` is a symlink to the current file), and to stderr in
// the foreground, human-readable when stderr is a terminal.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import roll from "pino-roll";

export type { Logger };

export interface LoggerOptions { logdir?: string; stderr: boolean; level: string }

export async function createLogger(opts: LoggerOptions): Promise<Logger> {
  const streams: pino.StreamEntry[] = [];
  if (opts.logdir) {
    await mkdir(opts.logdir, { recursive: true });
    const file = await roll({ file: path.join(opts.logdir, "plancton"), extension: ".log", size: "10m", limit: { count: 50 }, mkdir: true, symlink: true });
    streams.push({ level: "trace", stream: file });
  }
  if (opts.stderr) {
    const stream = process.stderr.isTTY ? pretty({ destination: 2, colorize: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" }) : process.stderr;
    streams.push({ level: "trace", stream });
  }
  return pino({ level: opts.level, base: { pid: process.pid } }, pino.multistream(streams));
}
