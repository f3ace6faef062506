// The give-back freeze as the kernel reads it: the daemon writes the pilots' freezer
// cgroup directly, which Docker does not see (no "pause" event): the benchmarks poll the
// freezer state files instead, every POLL_MS, so the figure is the kernel's moment.
import { execFileSync } from "node:child_process";
import { findControllerTree } from "../../src/host/container-cgroup.js";
import { PilotFreezer } from "../../src/host/freezer.js";
import { sleep } from "./wait.js";

const POLL_MS = 2;

/** The host's freezer for pilots under `cgroupParent`; fails loudly when there is none. */
export function benchFreezer(cgroupParent: string | undefined): PilotFreezer {
  const tree = findControllerTree("freezer");
  if (!tree) throw new Error("no freezer cgroup hierarchy on this host");
  const driver = execFileSync("docker", ["info", "-f", "{{.CgroupDriver}}"], { encoding: "utf8" }).trim();
  return new PilotFreezer({
    tree,
    driver: driver === "systemd" ? "systemd" : "cgroupfs",
    parent: cgroupParent,
  });
}

/** The freezer for the daemon's own idle-priority parent (pilot_cpu_priority idle, the default name). */
export function daemonParentFreezer(): PilotFreezer {
  const driver = execFileSync("docker", ["info", "-f", "{{.CgroupDriver}}"], { encoding: "utf8" }).trim();
  return benchFreezer(driver === "systemd" ? "plancton.slice" : "/plancton");
}

const isFrozen = (s: string | undefined) => s === "frozen" || s === "freezing";

/** Date.now() when the first of `ids` read frozen (or freezing); undefined after timeoutMs. */
export function firstFrozenAt(
  freezer: PilotFreezer,
  ids: () => readonly string[],
  timeoutMs: number,
): Promise<number | undefined> {
  return whenFreezer(freezer, ids, timeoutMs, "some", isFrozen);
}

/** Date.now() when every one of `ids` reads frozen; undefined after timeoutMs. */
export function allFrozenAt(freezer: PilotFreezer, ids: readonly string[], timeoutMs: number) {
  return whenFreezer(freezer, () => ids, timeoutMs, "every", isFrozen);
}

/** Date.now() when the first of `ids` reads thawed again; undefined after timeoutMs. */
export function firstThawedAt(freezer: PilotFreezer, ids: readonly string[], timeoutMs: number) {
  return whenFreezer(
    freezer,
    () => ids,
    timeoutMs,
    "some",
    (s) => s === "thawed",
  );
}

/** Whether any of `ids` reads frozen now. */
export async function anyFrozen(freezer: PilotFreezer, ids: readonly string[]): Promise<boolean> {
  for (const id of ids) if (isFrozen(await freezer.state(id))) return true;
  return false;
}

/**
 * Date.now() when some (or every) one of `ids` reads a state `wanted` accepts. A "some" wait
 * answers at the first pilot that does, without reading the others: the moment is the kernel's.
 */
async function whenFreezer(
  freezer: PilotFreezer,
  ids: () => readonly string[],
  timeoutMs: number,
  mode: "some" | "every",
  wanted: (state: string | undefined) => boolean,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = ids();
    let seen = 0;
    for (const id of now) {
      const ok = wanted(await freezer.state(id));
      if (ok && mode === "some") return Date.now();
      if (ok) seen++;
      else if (mode === "every") break;
    }
    if (mode === "every" && now.length > 0 && seen === now.length) return Date.now();
    await sleep(POLL_MS);
  }
  return undefined;
}
