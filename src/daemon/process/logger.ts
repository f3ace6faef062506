// The daemon's log: to logdir/plancton.<n>.log (rotated by size, 10 MB x 50 like the
// original; `current.log` is a symlink to the current file), and to stderr in the
// foreground (journald under systemd). log_format "text" (the default) writes one readable
// line per record: local ISO time, level, message, key=value extras; colours only on a
// terminal. "json" writes pino's JSON lines (epoch-ms `time`) for log shippers.
//
// pino-roll opens its files by name (sonic-boom, flags "a", no O_NOFOLLOW), so before it
// opens one (at start, and at each rotation) any entry under that name that is not a
// plain file of ours (a symlink, a hard link, another user's) is removed. That check and
// the open cannot be raced: logdir is the daemon's own (own-dirs.ts), nobody else can
// write in it. The files are created 0640, older ones brought to 0640 when opened.
import { fchmod, lstatSync, readdirSync, unlinkSync } from "node:fs";
import path from "node:path";
import pino, { type Logger } from "pino";
import roll from "pino-roll";
import { diskFaults as sharedFaults, type DiskFaults } from "./disk-faults.js";
import { guardLogFile, LOG_BUFFER_BYTES, type LogFileStream } from "./log-file-guard.js";
import { textStream } from "./log-text.js";
import { ensureLogdir } from "./own-dirs.js";
import { LOG_FILE_MODE } from "./safe-open.js";

export type { Logger };

export type LogFormat = "text" | "json";

export interface LoggerOptions {
  logdir?: string;
  stderr: boolean;
  level: string;
  format?: LogFormat;
  /** Where the log file's refused writes are counted (the process's own by default). */
  faults?: DiskFaults;
}

const LOG_NAME = /^(plancton\.\d+\.log|current\.log)$/;

/** Removes `file` unless it is missing or a plain file of ours (current.log: a symlink, pino-roll's own). */
export function dropUnsafeLogEntry(file: string): string | undefined {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return undefined; // missing: it will be created
  }
  const uid = process.getuid?.() ?? 0;
  const linkOk = path.basename(file) === "current.log" && st.isSymbolicLink();
  if (linkOk || (st.isFile() && st.nlink === 1 && st.uid === uid)) return undefined;
  unlinkSync(file);
  return (
    `${file} was not a plain file of the daemon's (` +
    (st.isSymbolicLink()
      ? "a symbolic link"
      : st.isFile()
        ? `${st.nlink} links, uid ${st.uid}`
        : "not a file") +
    `): removed, not followed`
  );
}

export async function createLogger(opts: LoggerOptions): Promise<Logger> {
  const text = (opts.format ?? "text") === "text";
  const streams: pino.StreamEntry[] = [];
  const dropped: string[] = [];
  const late: { logger?: Logger } = {}; // for a rotation's note, once the logger exists
  const faults = opts.faults ?? sharedFaults;
  if (opts.logdir) {
    await ensureLogdir(opts.logdir);
    for (const name of readdirSync(opts.logdir))
      if (LOG_NAME.test(name))
        dropped.push(...[dropUnsafeLogEntry(path.join(opts.logdir, name))].filter((x) => x !== undefined));
    const file = await roll({
      file: path.join(opts.logdir, "plancton"),
      extension: ".log",
      size: "10m",
      limit: { count: 50 },
      mkdir: true,
      symlink: true,
      mode: LOG_FILE_MODE,
      // sonic-boom's option (pino-roll passes it on; its types do not list it).
      ...({ maxLength: LOG_BUFFER_BYTES } as object),
    });
    guardLogFile(file as unknown as LogFileStream, faults, (err) =>
      process.stderr.write(`plancton: log file: ${err.message}\n`),
    );
    const sonic = file as unknown as {
      fd: number;
      reopen(file?: string): void;
      on(e: "ready", f: () => void): void;
    };
    const reopen = sonic.reopen.bind(sonic);
    sonic.reopen = (next?: string) => {
      if (next !== undefined) {
        const note = dropUnsafeLogEntry(next);
        if (note) late.logger?.warn(note);
      }
      reopen(next);
    };
    const tighten = () => fchmod(sonic.fd, LOG_FILE_MODE, () => undefined);
    sonic.on("ready", tighten);
    if (sonic.fd >= 0) tighten();
    streams.push({ level: "trace", stream: text ? textStream(file, false) : file });
  }
  if (opts.stderr) {
    streams.push({
      level: "trace",
      stream: text ? textStream(process.stderr, process.stderr.isTTY === true) : process.stderr,
    });
  }
  const logger = pino({ level: opts.level, base: { pid: process.pid } }, pino.multistream(streams));
  late.logger = logger;
  for (const d of dropped) logger.warn(d);
  faults.onRecovery((r) =>
    logger.warn(
      `${r.area} disk writable again: ${r.dropped} ${r.area === "log" ? "lines" : "writes"} ` +
        `dropped since ${new Date(r.sinceMs).toISOString()}`,
    ),
  );
  return logger;
}
