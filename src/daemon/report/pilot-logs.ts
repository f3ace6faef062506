// Keeps the tail of a finished pilot's output in logdir/pilots/, so `planctonctl logs`
// still answers after the container is removed. Bounded in bytes: each file keeps the
// last PILOT_LOG_BYTES, the directory at most PILOTS_DIR_BYTES and KEEP files, the oldest
// removed first. A write the disk refuses is dropped and counted (disk-faults.ts); the
// caller (a kill for the owner) waits for the engine's answer only, never for the disk.
// Written 0640 through a new file renamed into place: a link planted there is replaced,
// never followed (pilot output often holds credentials).
import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { ContainerEngine } from "../../runtime/index.js";
import { LOGDIR_MODE } from "../process/own-dirs.js";
import { readNoFollow, replaceFile } from "../process/safe-open.js";
import { ByteTail } from "./byte-tail.js";
import { diskFaults, type DiskFaults } from "../process/disk-faults.js";

const TAIL_LINES = 1000;
export const PILOT_LOG_BYTES = 256 * 1024;
export const PILOTS_DIR_BYTES = 20 * 1024 * 1024;
const KEEP = 200;

export function pilotLogFile(logdir: string, name: string): string {
  return path.join(logdir, "pilots", `${name}.log`);
}

/** A kept pilot log, read without following a link; undefined when there is none. */
export function readPilotLog(logdir: string, name: string): Promise<string | undefined> {
  return readNoFollow(pilotLogFile(logdir, name));
}

export async function keepPilotLog(
  engine: ContainerEngine,
  id: string,
  name: string,
  logdir: string,
  faults: DiskFaults = diskFaults,
): Promise<void> {
  if (!name) return;
  const stream = await engine.logs(id, { follow: false, tail: TAIL_LINES });
  const tail = new ByteTail(PILOT_LOG_BYTES);
  for await (const chunk of stream) tail.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  // One write at a time, in the background: a slow or failing disk holds no kill back.
  // A disk that does not keep up: past MAX_WAITING logs waiting, one is dropped, not queued.
  if (waiting >= MAX_WAITING) return void faults.dropped("log", 1);
  waiting++;
  const data = tail.result();
  writing = writing
    .then(() => writePilotLog(logdir, name, data, faults))
    .catch(() => undefined)
    .finally(() => waiting--);
}

const MAX_WAITING = 8;
let waiting = 0;
let writing: Promise<void> = Promise.resolve();

/** Resolves once every pilot log handed over so far is written (or dropped). */
export function pilotLogsWritten(): Promise<void> {
  return writing;
}

async function writePilotLog(logdir: string, name: string, data: Buffer, faults: DiskFaults): Promise<void> {
  const dir = path.join(logdir, "pilots");
  try {
    await mkdir(dir, { recursive: true, mode: LOGDIR_MODE });
    const st = await lstat(dir);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0))
      throw new Error(`${dir} is not a directory of the daemon's own (a link, or another user's): remove it`);
    await prune(dir, PILOT_LOG_BYTES); // room for this one first: the oldest go, not the newest
    await replaceFile(pilotLogFile(logdir, name), data);
    faults.succeeded("log");
  } catch (err) {
    if (!faults.failed("log", err)) throw err;
  }
}

/** Removes the oldest files until KEEP - 1 are left and `room` more bytes fit in PILOTS_DIR_BYTES. */
export async function prune(dir: string, room: number, maxBytes = PILOTS_DIR_BYTES): Promise<void> {
  const names = await readdir(dir);
  const dated = await Promise.all(
    names.map(async (n) => {
      const st = await lstat(path.join(dir, n)).catch(() => undefined);
      return { n, t: st?.mtimeMs ?? 0, size: st?.size ?? 0 };
    }),
  );
  dated.sort((a, b) => a.t - b.t); // oldest first
  let total = dated.reduce((s, d) => s + d.size, 0);
  let count = dated.length;
  for (const d of dated) {
    if (count < KEEP && total + room <= maxBytes) break;
    await rm(path.join(dir, d.n), { force: true });
    total -= d.size;
    count--;
  }
}
