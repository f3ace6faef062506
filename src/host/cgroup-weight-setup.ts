// Writing the idle weight into the pilots' parent cgroup and reading it back: cgroup v1
// (cpu.idle where the kernel has it, else cpu.shares=2) and v2 (cpu.idle, else cpu.weight=1,
// after delegating the cpu controller). Throws on a weight that did not take; the caller
// (cgroup-parent.ts) turns that into mode "normal" with the reason.
import { join } from "node:path";
import { errorCode, readTrimmed, type CgroupFs } from "./cgroup-fs.js";

export interface ParentWeight {
  readonly file: string;
  readonly idle: string;
  readonly normal: string;
}

/** The lowest cpu.shares cgroup v1 accepts. */
export const V1_IDLE_SHARES = 2;

class SetupError extends Error {}

export type Setup = { detail: string; weight: ParentWeight };

export async function setupV1(
  fs: CgroupFs,
  cpuDir: string,
  cpuacctDir: string | undefined,
  dir: string,
  label: string,
): Promise<Setup> {
  const cpuParent = join(cpuDir, dir);
  await fs.mkdir(cpuParent);
  // With cpuacct mounted apart, make the parent there too, so every pilot's usage is under one directory.
  if (cpuacctDir !== undefined && cpuacctDir !== cpuDir) await fs.mkdir(join(cpuacctDir, dir));

  // cpu.idle (kernel >= 5.15, on v1 too) puts the group in SCHED_IDLE: the owner's tasks
  // preempt the pilots at once, where cpu.shares=2 still costs the owner a 7-17x tail latency.
  const idle = await setIdleIfPresent(fs, join(cpuParent, "cpu.idle"));
  if (idle) return { detail: `idle (cgroup v1 cpu.idle=1 on ${label})`, weight: idle };

  const sharesFile = join(cpuParent, "cpu.shares");
  try {
    await fs.writeFile(sharesFile, `${V1_IDLE_SHARES}\n`);
  } catch (err) {
    // The kernel refuses cpu.shares on a group already marked cpu.idle=1, which is lower still.
    const idleFile = join(cpuParent, "cpu.idle");
    if (
      errorCode(err) === "EINVAL" &&
      (await fs.exists(idleFile)) &&
      (await readTrimmed(fs, idleFile)) === "1"
    ) {
      return {
        detail: `idle (cgroup v1 cpu.idle=1 on ${label})`,
        weight: { file: idleFile, idle: "1", normal: "0" },
      };
    }
    throw err;
  }
  const readBack = await readTrimmed(fs, sharesFile);
  if (readBack !== String(V1_IDLE_SHARES)) {
    throw new SetupError(`${sharesFile} reads ${JSON.stringify(readBack)} after writing ${V1_IDLE_SHARES}`);
  }
  return {
    detail: `idle (cgroup v1 cpu.shares=${V1_IDLE_SHARES} on ${label})`,
    weight: { file: sharesFile, idle: String(V1_IDLE_SHARES), normal: "1024" },
  };
}

/**
 * Writes cpu.idle=1 where the kernel has it; undefined when it has not, or refuses it (then shares are the
 * fallback).
 */
async function setIdleIfPresent(fs: CgroupFs, idleFile: string): Promise<ParentWeight | undefined> {
  if (!(await fs.exists(idleFile))) return undefined;
  try {
    await fs.writeFile(idleFile, "1\n");
  } catch {
    return undefined;
  }
  const readBack = await readTrimmed(fs, idleFile);
  if (readBack !== "1") throw new SetupError(`${idleFile} reads ${JSON.stringify(readBack)} after writing 1`);
  // cpu.idle=0 gives the group the default weight back (cpu.shares 1024): that is atFullWeight's "normal".
  return { file: idleFile, idle: "1", normal: "0" };
}

function tokens(text: string): string[] {
  // A real kernel lists "cpu io memory"; a fake tree may keep the "+cpu" we wrote.
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => t.replace(/^\+/, ""));
}

export async function setupV2(
  fs: CgroupFs,
  unifiedDir: string,
  dir: string,
  label: string,
): Promise<Setup | { normal: string }> {
  const controllers = tokens(await fs.readFile(join(unifiedDir, "cgroup.controllers")));
  if (!controllers.includes("cpu")) {
    return {
      normal:
        `cgroup v2 without cpu controller delegation (no cpu ` +
        `in ${join(unifiedDir, "cgroup.controllers")})`,
    };
  }
  const subtreeFile = join(unifiedDir, "cgroup.subtree_control");
  if (!tokens(await fs.readFile(subtreeFile)).includes("cpu")) {
    await fs.writeFile(subtreeFile, "+cpu\n");
    if (!tokens(await fs.readFile(subtreeFile)).includes("cpu")) {
      throw new SetupError(`cpu is still not in ${subtreeFile} after writing +cpu`);
    }
  }
  const parent = join(unifiedDir, dir);
  await fs.mkdir(parent);
  // Let the pilots' own cgroups have the cpu controller (their quota, cpu.max, needs it). runc does
  // this too when it creates them, so a refusal here is not fatal.
  try {
    const sub = join(parent, "cgroup.subtree_control");
    if (!tokens(await fs.readFile(sub)).includes("cpu")) await fs.writeFile(sub, "+cpu\n");
  } catch {
    // left to runc
  }

  for (const [file, value, normalValue] of [
    ["cpu.idle", "1", "0"],
    ["cpu.weight", "1", "100"],
  ] as const) {
    const path = join(parent, file);
    if (!(await fs.exists(path))) continue;
    await fs.writeFile(path, `${value}\n`);
    const readBack = await readTrimmed(fs, path);
    if (readBack !== value)
      throw new SetupError(`${path} reads ${JSON.stringify(readBack)} after writing ${value}`);
    return {
      detail: `idle (cgroup v2 ${file}=${value} on ${label})`,
      weight: { file: path, idle: value, normal: normalValue },
    };
  }
  return { normal: `cgroup v2 cpu controller not enabled on ${parent} (neither cpu.idle nor cpu.weight)` };
}
