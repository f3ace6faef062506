// Keeps the tail of a finished pilot's output in logdir/pilots/, so `planctonctl logs`
// still answers after the container is removed. Bounded: the newest KEEP files stay.
// Written 0640 through a new file renamed into place: a link planted there is replaced,
// never followed (pilot output often holds credentials).
import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { ContainerEngine } from "../../runtime/index.js";
import { LOGDIR_MODE } from "../process/own-dirs.js";
import { readNoFollow, replaceFile } from "../process/safe-open.js";

const TAIL_LINES = 1000;
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
): Promise<void> {
  if (!name) return;
  const stream = await engine.logs(id, { follow: false, tail: TAIL_LINES });
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  const dir = path.join(logdir, "pilots");
  await mkdir(dir, { recursive: true, mode: LOGDIR_MODE });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0))
    throw new Error(`${dir} is not a directory of the daemon's own (a link, or another user's): remove it`);
  await replaceFile(pilotLogFile(logdir, name), Buffer.concat(chunks));
  await prune(dir);
}

async function prune(dir: string): Promise<void> {
  const names = await readdir(dir);
  if (names.length <= KEEP) return;
  const dated = await Promise.all(
    names.map(async (n) => ({
      n,
      t: (await lstat(path.join(dir, n)).catch(() => ({ mtimeMs: 0 }))).mtimeMs,
    })),
  );
  dated.sort((a, b) => b.t - a.t);
  await Promise.all(dated.slice(KEEP).map((d) => rm(path.join(dir, d.n), { force: true })));
}
