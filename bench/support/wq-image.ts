// The WorkQueue pilot image of the workflow benchmark, built locally (no registry can be
// reached here): the local test image (busybox) plus the host's own work_queue_worker and
// the tools the tasks run (sha256sum, head, yes), each with the shared libraries `ldd`
// lists, at the same paths as on the host. The tasks call the
// tools by absolute path, so hand workers on the host and pilots run the same binaries.
// Also: the 24 tasks' input (generated in the task), their expected outputs, and the hand
// workers' side: their cpu cgroups and the process groups the benchmark starts.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { detectCgroupLayout } from "../../src/host/index.js";
import { docker, IMAGE as TEST_IMAGE } from "./docker.js";

const exec = promisify(execFile);

/** The host binaries the image carries, at the same paths. */
export const TASK_TOOLS = ["/usr/bin/sha256sum", "/usr/bin/head", "/usr/bin/yes"] as const;
export const WORKER = "/usr/bin/work_queue_worker";

/** The shared libraries (and loader) a dynamic binary needs, as `ldd` prints their paths. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await exec("ldd", [binary]);
  const libs: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/** Copies `file` (its target, when a link) to the same path under `root`. */
async function copyInto(root: string, file: string, mode = 0o755): Promise<void> {
  const dest = path.join(root, file);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(realpathSync(file), dest);
  await chmod(dest, mode);
}

/**
 * Builds the image as `tag` (replacing any image of that tag): the local test image (busybox,
 * as prepare-host.sh builds it) with the worker, the task tools and their libraries copied
 * in at their host paths. Returns what it added.
 */
export async function buildWqImage(tag: string): Promise<string[]> {
  const context = await mkdtemp(path.join(os.tmpdir(), "plancton-bench-wq-"));
  try {
    const root = path.join(context, "root");
    const files = new Set<string>([WORKER, ...TASK_TOOLS]);
    for (const bin of [WORKER, ...TASK_TOOLS]) for (const lib of await sharedLibraries(bin)) files.add(lib);
    for (const f of files) await copyInto(root, f);
    await writeFile(path.join(context, "Dockerfile"), `FROM ${TEST_IMAGE}\nCOPY root/ /\n`);
    // The classic builder: it needs no registry to resolve a local base image.
    await exec("docker", ["build", "-q", "-t", tag, context], {
      timeout: 120_000,
      maxBuffer: 1 << 20,
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
    });
    return [...files];
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** Removes the image made by buildWqImage (containers of it must be gone first). */
export async function removeWqImage(tag: string): Promise<void> {
  try {
    await docker.getImage(tag).remove({ force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

export interface Workload {
  readonly tasks: number;
  /** Bytes of `task-<i>\n` repeated that one pass hashes. */
  readonly bytes: number;
  /** Passes per task (each hashes the same stream again: CPU time, same output). */
  readonly passes: number;
}

/** The task: `passes` times sha256 of `task-<i>\n` repeated to `bytes` bytes; the last digest. */
export const TASK_SCRIPT = `#!/bin/sh
# task.sh <i> <bytes> <passes>: prints the sha256 of "task-<i>\\n" repeated to <bytes> bytes.
set -e
n=0
while [ "$n" -lt "$3" ]; do
  ${TASK_TOOLS[2]} "task-$1" | ${TASK_TOOLS[1]} -c "$2" | ${TASK_TOOLS[0]} > digest.tmp
  n=$((n + 1))
done
cat digest.tmp
rm -f digest.tmp
`;

/** The Makeflow file of the workload: one rule per task, output out.<i>, input task.sh. */
export function makeflowText(w: Workload): string {
  const rules = Array.from(
    { length: w.tasks },
    (_, i) => `out.${i}: task.sh\n\t/bin/sh task.sh ${i} ${w.bytes} ${w.passes} > out.${i}\n`,
  );
  return `# ${w.tasks} tasks, each ${w.passes} x sha256 of ${w.bytes} bytes\n${rules.join("\n")}`;
}

/** What out.<i> must hold: the digest, computed here. */
export function expectedDigests(w: Workload): string[] {
  return Array.from({ length: w.tasks }, (_, i) => {
    const unit = Buffer.from(`task-${i}\n`);
    const block = Buffer.alloc(unit.length * Math.ceil((4 << 20) / unit.length));
    for (let o = 0; o < block.length; o += unit.length) unit.copy(block, o);
    const h = createHash("sha256");
    let left = w.bytes;
    while (left > 0) {
      const n = Math.min(left, block.length);
      h.update(n === block.length ? block : block.subarray(0, n));
      left -= n;
    }
    return h.digest("hex");
  });
}

/** How many out.<i> in `dir` hold the expected digest (sha256sum's "<hex>  -" line). */
export async function outputsRight(dir: string, expected: readonly string[]): Promise<number> {
  const names = new Set(await readdir(dir));
  let right = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!names.has(`out.${i}`)) continue;
    const text = await readFile(path.join(dir, `out.${i}`), "utf8").catch(() => "");
    if (text.trim().split(/\s+/)[0] === expected[i]) right++;
  }
  return right;
}

/** Every process this benchmark started (each leads its own process group). */
export const children = new Set<ChildProcess>();
const tails = new WeakMap<ChildProcess, string>();
const ended = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null || c.pid === undefined;

/** Starts a process leading its own group; its output is read (kept: the last 600 characters). */
export function startGroup(cmd: string, args: string[], cwd?: string): ChildProcess {
  const c = spawn(cmd, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.add(c);
  tails.set(c, "");
  const keep = (d: Buffer) => void tails.set(c, ((tails.get(c) ?? "") + d.toString()).slice(-600));
  c.stdout?.on("data", keep);
  c.stderr?.on("data", keep);
  c.once("exit", () => children.delete(c));
  c.once("error", () => children.delete(c));
  return c;
}

/** The last lines the process printed (stdout and stderr together). */
export function outputTail(c: ChildProcess): string {
  return (tails.get(c) ?? "").trim().split("\n").slice(-3).join(" | ");
}

/** SIGKILLs the process's whole group (also when its leader has exited) and waits for the leader. */
export function killGroup(c: ChildProcess): Promise<void> {
  if (c.pid !== undefined) {
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {
      // the group is gone
    }
  }
  return ended(c) ? Promise.resolve() : new Promise((resolve) => c.once("exit", () => resolve()));
}

/** The cpu cgroup of one hand worker: 1 CPU of quota under the idle-priority parent. */
export function handCgroup(name: string, parent: string): { dir: string; remove(): Promise<void> } {
  const layout = detectCgroupLayout();
  if (layout.kind === "unknown") throw new Error(`no cgroup layout: ${layout.reason}`);
  const base = path.join(layout.kind === "v1" ? layout.cpuDir : layout.unifiedDir, parent);
  const dir = path.join(base, name);
  if (layout.kind === "v2") writeFileSync(path.join(base, "cgroup.subtree_control"), "+cpu");
  mkdirSync(dir, { recursive: true });
  if (layout.kind === "v1") {
    writeFileSync(path.join(dir, "cpu.cfs_period_us"), "100000");
    writeFileSync(path.join(dir, "cpu.cfs_quota_us"), "100000");
  } else writeFileSync(path.join(dir, "cpu.max"), "100000 100000");
  const remove = async () => {
    if (!existsSync(dir)) return;
    for (const pid of readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean))
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone meanwhile
      }
    // The killed tasks leave the cgroup within a few ms; rmdir is refused (EBUSY) until then.
    for (let i = 0; i < 50; i++) {
      try {
        return rmdirSync(dir);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  return { dir, remove };
}
