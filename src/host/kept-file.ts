// Small kernel files read often (the give-back watch: /proc/stat, the pilots' cgroup usage,
// PSI, meminfo, every 100-200 ms; each pilot's CPU and memory counters every sample) through
// a descriptor kept open and read at offset 0: procfs and cgroupfs regenerate a file's text
// on each read from its start, and the open() and close() around each read (a path lookup
// in procfs or cgroupfs) were most of the watch's cost: on the 2-vCPU guest of the
// benchmarks, 0.34 % of a core for two files every 100 ms opened each time, under 0.01 %
// read on kept descriptors. At most MAX_KEPT stay open (the least recently read closed
// first); a read that fails (the cgroup removed, the process gone) closes its descriptor and
// opens the path once more.
import { closeSync, openSync, readSync } from "node:fs";

const MAX_KEPT = 256;
const kept = new Map<string, number>();
const buffer = Buffer.alloc(4096);

function forget(path: string, fd: number): void {
  kept.delete(path);
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Reads the file's first bytes into buf through a kept descriptor: how many, or undefined (unreadable). */
export function readKeptBytes(path: string, buf: Buffer): number | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd = kept.get(path);
    if (fd !== undefined) {
      kept.delete(path); // the most recently read last: the oldest read goes first
      kept.set(path, fd);
    } else {
      try {
        fd = openSync(path, "r");
      } catch {
        return undefined;
      }
      if (kept.size >= MAX_KEPT) {
        const [oldest, oldFd] = kept.entries().next().value as [string, number];
        forget(oldest, oldFd);
      }
      kept.set(path, fd);
    }
    try {
      return readSync(fd, buf, 0, buf.length, 0);
    } catch {
      forget(path, fd); // a removed cgroup's file, a dead process's: open the path again
    }
  }
  return undefined;
}

/** The file's text (up to 4 KiB) through a kept descriptor, or undefined when it cannot be read. */
export function readKept(path: string): string | undefined {
  const n = readKeptBytes(path, buffer);
  return n === undefined ? undefined : buffer.toString("latin1", 0, n);
}

/**
 * Closes every kept descriptor (tests: a fake tree's regular file stays readable through its
 * descriptor after unlink, where a removed cgroup's file does not).
 */
export function closeKept(): void {
  for (const [path, fd] of [...kept]) forget(path, fd);
}

/** The file's text (up to 4 KiB), opened and closed for this read: for a file read once or rarely. */
export function readSmall(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    return buffer.toString("latin1", 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Descriptors kept open now (tests). */
export function keptCount(): number {
  return kept.size;
}
