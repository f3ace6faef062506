// Keeps the tail of a finished pilot's output in logdir/pilots/, so `planctonctl logs`
// still answers after the container is removed. Bounded: the newest KEEP files stay.
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ContainerEngine } from "../runtime/index.js";

const TAIL_LINES = 1000;
const KEEP = 200;

export function pilotLogFile(logdir: string, name: string): string {
  return path.join(logdir, "pilots", `${name}.log`);
}

export async function keepPilotLog(engine: ContainerEngine, id: string, name: string, logdir: string): Promise<void> {
  if (!name) return;
  const stream = await engine.logs(id, { follow: false, tail: TAIL_LINES });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  await mkdir(path.join(logdir, "pilots"), { recursive: true });
  await writeFile(pilotLogFile(logdir, name), Buffer.concat(chunks), { mode: 0o644 });
  await prune(path.join(logdir, "pilots"));
}

async function prune(dir: string): Promise<void> {
  const names = await readdir(dir);
  if (names.length <= KEEP) return;
  const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(path.join(dir, n)).catch(() => ({ mtimeMs: 0 }))).mtimeMs })));
  dated.sort((a, b) => b.t - a.t);
  await Promise.all(dated.slice(KEEP).map((d) => rm(path.join(dir, d.n), { force: true })));
}
