// The pilots' slice when systemd owns it (Docker's or Podman's systemd cgroup driver).
// systemd writes a slice's cpu.idle / cpu.weight itself whenever it realizes the unit
// (a pilot's scope starting in it, a daemon-reload), undoing any direct write: the
// idle priority must be a property of the unit. `systemctl set-property --runtime`
// sets it until the next boot (systemd/plancton.slice sets it for good):
// CPUWeight=idle on cgroup v2 (systemd >= 252; older ones take CPUWeight=1), and
// CPUShares=2 on cgroup v1.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

export interface SystemdControl {
  /** How status names it: "systemd" (default) or "systemd --user". */
  readonly label?: string;
  /** Whether systemd is the init system here (/run/systemd/system exists). */
  running(): boolean;
  /** `systemctl set-property --runtime UNIT PROPS...`; rejects with systemctl's message. */
  setProperty(unit: string, properties: readonly string[]): Promise<void>;
}

const SYSTEMCTL_TIMEOUT_MS = 30_000;

/** `systemctl [--user] set-property --runtime UNIT PROPS...`, rejecting with systemctl's message. */
function setPropertyWith(
  flags: readonly string[],
  env: NodeJS.ProcessEnv | undefined,
): SystemdControl["setProperty"] {
  return (unit, properties) =>
    new Promise((resolve, reject) => {
      const args = [...flags, "set-property", "--runtime", unit, ...properties];
      execFile("systemctl", args, { timeout: SYSTEMCTL_TIMEOUT_MS, env }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`systemctl ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
        else resolve();
      });
    });
}

export const hostSystemd: SystemdControl = {
  running: () => existsSync("/run/systemd/system"),
  setProperty: setPropertyWith([], undefined),
};

/**
 * The user's own manager (systemctl --user), for a daemon run as that user: it finds its
 * manager through XDG_RUNTIME_DIR (/run/user/UID when the environment lacks it).
 */
export function userSystemd(uid: number, env: NodeJS.ProcessEnv = process.env): SystemdControl {
  const runtimeDir = env["XDG_RUNTIME_DIR"] || `/run/user/${uid}`;
  return {
    label: "systemd --user",
    running: () => existsSync(`${runtimeDir}/systemd/private`),
    setProperty: setPropertyWith(["--user"], { ...env, XDG_RUNTIME_DIR: runtimeDir }),
  };
}

/**
 * Gives the slice the idle CPU priority through systemd. Returns the property that
 * took ("CPUWeight=idle"), or undefined when systemd does not run here; rejects
 * when systemd refused every form.
 */
export async function setSliceIdle(
  systemd: SystemdControl,
  slice: string,
  cgroupVersion: "v1" | "v2",
): Promise<string | undefined> {
  if (!systemd.running()) return undefined;
  const forms = cgroupVersion === "v2" ? ["CPUWeight=idle", "CPUWeight=1"] : ["CPUShares=2"];
  let last: unknown;
  for (const form of forms) {
    try {
      await systemd.setProperty(slice, [form]);
      return form;
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}
