// The log file must never stop the daemon: sonic-boom (under pino-roll) emits 'error' on a
// failed write, and with no listener that is an uncaught exception (exit 1 on a full
// disk). Here: every error of the file is counted in DiskFaults, never thrown. sonic-boom
// keeps what it could not write and tries again at the next line; its `maxLength` bounds
// that buffer, lines past it are dropped ('drop') and counted, not queued. Lines dropped
// while the buffer is full still make it try again, so the log recovers with the disk.
import type { DiskFaults } from "./disk-faults.js";

/** The part of a sonic-boom stream this needs. */
export interface LogFileStream {
  write(data: string): boolean;
  on(event: "error", f: (err: Error) => void): unknown;
  on(event: "drop", f: (data: string) => void): unknown;
  on(event: "drain", f: () => void): unknown;
}

/** What sonic-boom may hold unwritten: a full disk costs at most this much memory. */
export const LOG_BUFFER_BYTES = 16 * 1024;

function linesIn(data: string): number {
  let n = 0;
  for (let i = data.indexOf("\n"); i >= 0; i = data.indexOf("\n", i + 1)) n++;
  return Math.max(n, 1);
}

export function guardLogFile(stream: LogFileStream, faults: DiskFaults, onOtherError: (e: Error) => void) {
  let retrying = false;
  stream.on("error", (err) => {
    if (!faults.failed("log", err, 0)) onOtherError(err);
  });
  stream.on("drop", (data) => {
    faults.dropped("log", linesIn(data));
    if (retrying) return;
    // An empty write fits in the full buffer and makes sonic-boom write it again.
    retrying = true;
    try {
      stream.write("");
    } catch {
      // destroyed (the daemon is ending): nothing to write to any more
    } finally {
      retrying = false;
    }
  });
  stream.on("drain", () => faults.succeeded("log"));
}
