// The pilots' parent cgroup at idle CPU priority (issue 9).
//
// CPU weights only compete among siblings, so the parent sits directly under the
// root of the hierarchy, beside the owner's own cgroups: with cpu.idle=1 wherever the
// kernel has it (5.15+, on v1 and v2), else the lowest weight (v1 cpu.shares=2, v2
// cpu.weight=1), the scheduler hands the CPU to the owner at once, while the pilots still get
// every cycle nobody else wants. Failure is never fatal: the caller gets mode
// "normal", no parent, and one line saying why.

import { constants } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { detectCgroupLayout, type CgroupLayout, type DockerCgroupDriver } from "./cgroup-layout.js";
import { setSliceIdle, type SystemdControl } from "./systemd-slice.js";

export type PilotCpuPriority = "idle" | "normal";

/** The file operations setup needs; tests inject failures (EROFS, EACCES) a root user cannot get from chmod. */
export interface CgroupFs {
  exists(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  readFile(path: string): Promise<string>;
  /** Write an existing file; never create one (cgroup files are made by the kernel). */
  writeFile(path: string, data: string): Promise<void>;
}

export const nodeCgroupFs: CgroupFs = {
  exists: async (path) => {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  readFile: (path) => readFile(path, "utf8"),
  // O_WRONLY|O_TRUNC without O_CREAT: writing a control file the kernel did not make must fail.
  writeFile: (path, data) => writeFile(path, data, { flag: constants.O_WRONLY | constants.O_TRUNC }),
};

export interface PilotParentOptions {
  /** From detectCgroupLayout(); detected under `root` when omitted. */
  readonly layout?: CgroupLayout;
  readonly dockerCgroupDriver: DockerCgroupDriver;
  /** Default "plancton": "/plancton" with cgroupfs, "plancton.slice" with systemd. */
  readonly parentName?: string;
  readonly priority: PilotCpuPriority;
  /** cgroup root used to detect the layout when none is given. */
  readonly root?: string;
  readonly fs?: CgroupFs;
  /**
   * With the systemd driver, systemd owns the slice and rewrites its weight files: the
   * priority is then also set as the unit's property through this (none: direct writes only).
   */
  readonly systemd?: SystemdControl;
}

export interface PilotParent {
  /** HostConfig.CgroupParent for pilots; undefined = Docker's default. */
  readonly cgroupParent: string | undefined;
  readonly mode: PilotCpuPriority;
  /** One human line: "idle (cgroup v1 cpu.shares=2 on /plancton)", "normal: ...". */
  readonly detail: string;
  /** The file that holds the parent's low weight, its idle value and a normal one (see atFullWeight). */
  readonly weight?: ParentWeight;
}

export interface ParentWeight {
  readonly file: string;
  readonly idle: string;
  readonly normal: string;
}

export const DEFAULT_PILOT_PARENT_NAME = "plancton";
/** The lowest cpu.shares cgroup v1 accepts. */
export const V1_IDLE_SHARES = 2;

class SetupError extends Error {}

function normal(reason: string): PilotParent {
  return { cgroupParent: undefined, mode: "normal", detail: `normal: ${reason}` };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** The parent's directory name and what Docker wants in CgroupParent, or why the name will not do. */
function parentNames(
  driver: DockerCgroupDriver,
  parentName: string,
): { dir: string; cgroupParent: string } | string {
  if (driver === "systemd") {
    const stem = parentName.endsWith(".slice") ? parentName.slice(0, -".slice".length) : parentName;
    // A dash means nesting for systemd (a-b.slice lives in a.slice): the parent must be top level,
    // or it would compete for CPU inside its ancestor's share instead of beside the owner.
    if (!/^[A-Za-z0-9_:.]+$/.test(stem) || stem.startsWith(".")) {
      return `invalid slice name ${JSON.stringify(parentName)} (letters, digits, '_', ':', '.'; no '-', it nests slices)`;
    }
    return { dir: `${stem}.slice`, cgroupParent: `${stem}.slice` };
  }
  const stem = parentName.replace(/^\/+/, "");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/.test(stem)) {
    return `invalid cgroup parent name ${JSON.stringify(parentName)} (one path component: letters, digits, '_', '.', ':', '-')`;
  }
  return { dir: stem, cgroupParent: `/${stem}` };
}

async function readTrimmed(fs: CgroupFs, path: string): Promise<string> {
  return (await fs.readFile(path)).trim();
}

type Setup = { detail: string; weight: ParentWeight };

async function setupV1(
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

/** Writes cpu.idle=1 where the kernel has it; undefined when it has not, or refuses it (then shares are the fallback). */
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

async function setupV2(
  fs: CgroupFs,
  unifiedDir: string,
  dir: string,
  label: string,
): Promise<Setup | PilotParent> {
  const controllers = tokens(await fs.readFile(join(unifiedDir, "cgroup.controllers")));
  if (!controllers.includes("cpu")) {
    return normal(
      `cgroup v2 without cpu controller delegation (no cpu in ${join(unifiedDir, "cgroup.controllers")})`,
    );
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
  return normal(`cgroup v2 cpu controller not enabled on ${parent} (neither cpu.idle nor cpu.weight)`);
}

/** The slice's priority as a systemd property, where systemd owns it: ", held by systemd CPUWeight=idle", or why not. */
async function throughSystemd(opts: PilotParentOptions, slice: string, kind: "v1" | "v2"): Promise<string> {
  if (opts.dockerCgroupDriver !== "systemd" || !opts.systemd) return "";
  try {
    const form = await setSliceIdle(opts.systemd, slice, kind);
    return form === undefined ? "" : `, held by systemd ${form}`;
  } catch (err) {
    // The direct write below still holds until systemd next realizes the slice; the re-check tells.
    return `; systemd refused the property: ${errorText(err)}`;
  }
}

/**
 * Create the pilots' parent cgroup with the lowest CPU weight and check that it took.
 * Never throws: on any failure the mode is "normal", the parent undefined, and detail says why.
 */
export async function setupPilotParent(opts: PilotParentOptions): Promise<PilotParent> {
  if (opts.priority === "normal")
    return { cgroupParent: undefined, mode: "normal", detail: "normal (configured)" };
  const fs = opts.fs ?? nodeCgroupFs;
  try {
    const layout = opts.layout ?? detectCgroupLayout(opts.root);
    if (layout.kind === "unknown") return normal(`unknown cgroup layout (${layout.reason})`);

    const names = parentNames(opts.dockerCgroupDriver, opts.parentName ?? DEFAULT_PILOT_PARENT_NAME);
    if (typeof names === "string") return normal(names);

    const held = await throughSystemd(opts, names.dir, layout.kind);
    if (layout.kind === "v1") {
      const setup = await setupV1(fs, layout.cpuDir, layout.cpuacctDir, names.dir, names.cgroupParent);
      return {
        cgroupParent: names.cgroupParent,
        mode: "idle",
        ...setup,
        detail: `${setup.detail.slice(0, -1)}${held})`,
      };
    }
    const result = await setupV2(fs, layout.unifiedDir, names.dir, names.cgroupParent);
    if ("mode" in result) return result;
    return {
      cgroupParent: names.cgroupParent,
      mode: "idle",
      ...result,
      detail: `${result.detail.slice(0, -1)}${held})`,
    };
  } catch (err) {
    const name = opts.parentName ?? DEFAULT_PILOT_PARENT_NAME;
    return normal(`cannot set up the pilots' parent cgroup ${JSON.stringify(name)}: ${errorText(err)}`);
  }
}

/**
 * Runs `fn` with the pilots' parent at a normal CPU weight, then puts the idle weight back.
 * Freezing (docker pause) and killing need the pilots' tasks to run: at the idle weight,
 * on a busy host, runc gives up with "unable to freeze" and a SIGKILL takes seconds.
 */
export async function atFullWeight<T>(
  weight: ParentWeight | undefined,
  fn: () => Promise<T>,
  fs: CgroupFs = nodeCgroupFs,
): Promise<T> {
  if (!weight) return fn();
  let raised = false;
  try {
    await fs.writeFile(weight.file, `${weight.normal}\n`);
    raised = true;
  } catch {
    // could not raise it: act at the idle weight
  }
  try {
    return await fn();
  } finally {
    if (raised) await fs.writeFile(weight.file, `${weight.idle}\n`).catch(() => undefined);
  }
}

/** What the kernel has in the parent's weight file now; holds is false also when it cannot be read. */
export async function readParentWeight(
  weight: ParentWeight,
  fs: CgroupFs = nodeCgroupFs,
): Promise<{ holds: boolean; value: string }> {
  try {
    const value = await readTrimmed(fs, weight.file);
    return { holds: value === weight.idle, value };
  } catch (err) {
    return { holds: false, value: `unreadable (${errorText(err)})` };
  }
}
