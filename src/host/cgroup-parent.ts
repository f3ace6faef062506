// The pilots' parent cgroup at idle CPU priority (issue 9).
//
// CPU weights only compete among siblings, so the parent sits directly under the
// root of the hierarchy, beside the owner's own cgroups: with cpu.idle=1 wherever the
// kernel has it (5.15+, on v1 and v2), else the lowest weight (v1 cpu.shares=2, v2
// cpu.weight=1), the scheduler hands the CPU to the owner at once, while the pilots still get
// every cycle nobody else wants. Failure is never fatal: the caller gets mode
// "normal", no parent, and one line saying why.

import { errorText, nodeCgroupFs, readTrimmed, type CgroupFs } from "./cgroup-fs.js";
import { setupV1, setupV2, type ParentWeight } from "./cgroup-weight-setup.js";
import { detectCgroupLayout, type CgroupLayout, type DockerCgroupDriver } from "./cgroup-layout.js";
import { setSliceIdle, type SystemdControl } from "./systemd-slice.js";

export type PilotCpuPriority = "idle" | "normal";
export { nodeCgroupFs, type CgroupFs } from "./cgroup-fs.js";
export { V1_IDLE_SHARES, type ParentWeight } from "./cgroup-weight-setup.js";

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
  /** Names the parent in status by its directory under this one (a user's tree) rather than its name. */
  readonly where?: string;
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

export const DEFAULT_PILOT_PARENT_NAME = "plancton";
function normal(reason: string): PilotParent {
  return { cgroupParent: undefined, mode: "normal", detail: `normal: ${reason}` };
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
      return (
        `invalid slice name ${JSON.stringify(parentName)} (letters, digits, '_', ':', '.'; no '-', ` +
        `it nests slices)`
      );
    }
    return { dir: `${stem}.slice`, cgroupParent: `${stem}.slice` };
  }
  const stem = parentName.replace(/^\/+/, "");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/.test(stem)) {
    return (
      `invalid cgroup parent name ${JSON.stringify(parentName)} (one path component: letters, ` +
      `digits, '_', '.', ':', '-')`
    );
  }
  return { dir: stem, cgroupParent: `/${stem}` };
}

/**
 * The slice's priority as a systemd property, where systemd owns it: ", held by systemd CPUWeight=idle", or
 * why not.
 */
async function throughSystemd(opts: PilotParentOptions, slice: string, kind: "v1" | "v2"): Promise<string> {
  if (opts.dockerCgroupDriver !== "systemd" || !opts.systemd) return "";
  try {
    const form = await setSliceIdle(opts.systemd, slice, kind);
    return form === undefined ? "" : `, held by ${opts.systemd.label ?? "systemd"} ${form}`;
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
    const label = opts.where === undefined ? names.cgroupParent : `${opts.where}/${names.dir}`;
    if (layout.kind === "v1") {
      const setup = await setupV1(fs, layout.cpuDir, layout.cpuacctDir, names.dir, label);
      return {
        cgroupParent: names.cgroupParent,
        mode: "idle",
        ...setup,
        detail: `${setup.detail.slice(0, -1)}${held})`,
      };
    }
    const result = await setupV2(fs, layout.unifiedDir, names.dir, label);
    if ("normal" in result) return normal(result.normal);
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
