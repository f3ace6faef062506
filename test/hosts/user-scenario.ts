// Scenario (f), inside the VM, as root: the desktop's own user (issue 24, 5b). user-setup.sh
// made `desk` (lingering, its own systemd manager), rootless Podman in desk's storage with its
// API socket in desk's manager (podman.socket), and installed systemd/plancton-user.service. Here the daemon
// is started as that user unit (`planctonctl --user nodaemon`, files under ~desk/.plancton) with
// two busy pilots, and checked against the kernel: the pilots under desk's
// user@UID.service/plancton.slice, idle there (cpu.idle or cpu.weight, read from the kernel),
// their CPU counted as the pilots', an owner's load in desk's manager pauses them (frozen in the
// kernel), they resume, and `planctonctl --user status` run as desk says the priority in force.
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { queryStatus } from "../../src/daemon/report/status-server.js";
import type { StatusSnapshot } from "../../src/daemon/report/status.js";
import { removeInstance } from "../helpers/docker.js";
import { waitFor } from "../helpers/wait.js";
import { containerPids, cpuCgroupOf } from "./kernel-facts.js";
import { tail, type ScenarioOptions } from "./scenario.js";
import {
  checkAttribution,
  checkPauseAndResume,
  checkYield,
  recorder,
  retried,
  type ScenarioResult,
} from "./scenario-steps.js";

const USER = "desk";

function configText(cpusPerDock: number): string {
  const room = 1 - (2 * cpusPerDock) / os.availableParallelism();
  return [
    "docker_image: plancton/busybox:local",
    'docker_cmd: ["/bin/sh", "-c", "yes > /dev/null"]',
    "container_prefix: hosts-user",
    "instance: hosts-user",
    `cpus_per_dock: ${cpusPerDock}`,
    "max_docks: 2",
    "docks_per_loop: 2",
    "main_sleep: 5s",
    "sample_interval: 2s",
    "grace_kill: 6s",
    "grace_spawn: 6s",
    "suspend_grace: 30m",
    "resume_after: 6s",
    `overhead_margin: ${Math.max(0, Math.round((0.9 - room) * 100))}`,
    "network_mode: none",
    "max_dock_mem: 64MiB",
    "pilot_cpu_priority: idle",
    "",
  ].join("\n");
}

function idOf(name: string): number {
  return Number(spawnSync("id", ["-u", name], { encoding: "utf8" }).stdout.trim());
}

/** The CPU priority files of the user's plancton.slice, as the kernel has them. */
function userSliceWeight(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of ["cpu.idle", "cpu.weight"]) {
    try {
      files[f] = readFileSync(path.join(dir, f), "utf8").trim();
    } catch {
      // absent: the cpu controller is not enabled there
    }
  }
  return files;
}
const idle = (w: Record<string, string>) => w["cpu.idle"] === "1" || w["cpu.weight"] === "1";

export async function runUserScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const { result, check } = recorder(opts.name);
  const fig = result.figures;
  const uid = idOf(USER);
  const home = `/home/${USER}`;
  const runtimeDir = `/run/user/${uid}`;
  const userDir = `/user.slice/user-${uid}.slice/user@${uid}.service`;
  const sliceDir = path.join("/sys/fs/cgroup", userDir, "plancton.slice");
  /** A command as desk, in desk's environment (its manager found through XDG_RUNTIME_DIR). */
  const asUser = (args: string[], timeoutMs = 60_000) => {
    const env = [
      `HOME=${home}`,
      `USER=${USER}`,
      `XDG_RUNTIME_DIR=${runtimeDir}`,
      `DBUS_SESSION_BUS_ADDRESS=unix:path=${runtimeDir}/bus`,
      `PATH=${path.join(opts.repo, ".vm/bin")}:/usr/local/bin:/usr/bin:/bin`,
    ];
    const r = spawnSync("runuser", ["-u", USER, "--", "env", ...env, ...args], {
      cwd: home,
      encoding: "utf8",
      timeout: timeoutMs,
    });
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
  };
  const ctl = (args: string[]) =>
    asUser([
      path.join(opts.repo, ".vm/bin/node"),
      path.join(opts.repo, "bin/planctonctl"),
      "--user",
      ...args,
    ]);
  const logFile = path.join(home, ".plancton/log/current.log");
  const confDir = path.join(home, ".plancton/conf");
  mkdirSync(confDir, { recursive: true });
  writeFileSync(path.join(confDir, "config.yaml"), configText(opts.cpusPerDock ?? 0.5));
  for (const p of [path.join(home, ".plancton"), confDir, path.join(confDir, "config.yaml")])
    chownSync(p, uid, uid);
  const journal = () =>
    spawnSync("journalctl", ["--no-pager", "-n", "25", "_SYSTEMD_USER_UNIT=plancton-user.service"], {
      encoding: "utf8",
      timeout: 30_000,
    }).stdout ?? "";
  const docker = new Docker({ socketPath: opts.socket });
  const ncpus = os.availableParallelism();
  const sock = path.join(home, ".plancton/run/plancton.sock");
  const status = () => retried(() => queryStatus<StatusSnapshot>(sock, "/status", 10_000));
  const pidOf = async (id: string) => (await docker.getContainer(id).inspect()).State.Pid;
  const running = async (n: number) => {
    const r = (await status()).pilots.filter((p) => p.state === "running");
    return r.length === n ? r.map((p) => p.id).sort() : undefined;
  };
  let loadOn = false;

  try {
    const started = asUser(["systemctl", "--user", "start", "plancton-user"]);
    check(
      "the user unit starts",
      started.status === 0,
      started.out || "systemctl --user start plancton-user",
    );
    const ids = await waitFor("2 running pilots", () => running(2), 240_000, 1000);
    const s0 = await status();
    fig["engine"] = s0.docker;
    fig["priority"] = s0.cpuPriority;
    fig["give_back"] = s0.giveBack;
    check("engine identified", s0.docker.engine === "podman", `status says ${s0.docker.engine ?? "nothing"}`);
    const unit = asUser(["systemctl", "--user", "show", "-p", "ActiveState,MainPID", "plancton-user"]);
    fig["daemon_unit"] = unit.out;
    const mainPid = /MainPID=(\d+)/.exec(unit.out)?.[1];
    const owner = mainPid ? /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${mainPid}/status`, "utf8"))?.[1] : "";
    check("the daemon runs as the user", owner === String(uid), `daemon uid ${owner}, ${USER} is ${uid}`);

    // Placement: each pilot under desk's own manager's plancton.slice.
    const cgroups = await Promise.all(ids.map(async (id) => cpuCgroupOf(await pidOf(id)) ?? "?"));
    fig["pilot_cgroups"] = cgroups;
    check(
      "pilots under the user's plancton.slice",
      cgroups.every((c) => c.startsWith(`${userDir}/plancton.slice/`)),
      `pilot cgroups ${cgroups.join(", ")}; want ${userDir}/plancton.slice/...`,
    );

    // Idle priority in the kernel's files of the user's slice, also after the user's manager reloads.
    const afterStart = await waitFor(
      "idle weight",
      () => (idle(userSliceWeight(sliceDir)) ? userSliceWeight(sliceDir) : undefined),
      30_000,
      1000,
    ).catch(() => userSliceWeight(sliceDir));
    fig["weight_after_start"] = afterStart;
    check(
      "idle in the kernel after pilots start",
      idle(afterStart),
      `${sliceDir}: ${JSON.stringify(afterStart)}`,
    );
    asUser(["systemctl", "--user", "daemon-reload"]);
    const afterReload = userSliceWeight(sliceDir);
    fig["weight_after_user_daemon_reload"] = afterReload;
    check(
      "idle in the kernel after systemctl --user daemon-reload",
      idle(afterReload),
      JSON.stringify(afterReload),
    );
    const truthful = (await status()).cpuPriority;
    check(
      "status tells the truth",
      (truthful.mode === "idle") === idle(userSliceWeight(sliceDir)) && truthful.detail.includes(userDir),
      `status ${truthful.detail}; kernel ${JSON.stringify(userSliceWeight(sliceDir))}`,
    );
    const ctlStatus = ctl(["status"]);
    const priorityLine = ctlStatus.out.split("\n").find((l) => l.startsWith("priority:")) ?? "";
    fig["planctonctl_user_status_priority"] = priorityLine;
    fig["planctonctl_user_status_head"] = ctlStatus.out.split("\n").slice(0, 6);
    check(
      "planctonctl --user status (as the user) tells the truth",
      ctlStatus.status === 0 &&
        (priorityLine.startsWith("priority: idle")
          ? idle(userSliceWeight(sliceDir))
          : !idle(userSliceWeight(sliceDir))) &&
        priorityLine.includes(`user@${uid}.service`),
      `exit ${ctlStatus.status}: ${priorityLine || ctlStatus.out.slice(0, 300)}`,
    );

    // Attribution: the daemon's cpu_pilots against the pilots' processes' own CPU time.
    const pids = () => ids.flatMap(containerPids);
    await checkAttribution({ status, fig, check }, pids(), ncpus); // once: /proc under TCG is slow

    // The owner's load, a unit of desk's own manager (beside plancton.slice): the pilots yield, then pause.
    const load = asUser([
      "systemd-run",
      "--user",
      "--quiet",
      "--unit=plancton-owner-load",
      "sh",
      "-c",
      Array.from({ length: ncpus }, () => "yes > /dev/null &").join(" ") + " wait",
    ]);
    loadOn = load.status === 0;
    check("the owner's load starts (systemd-run --user)", loadOn, load.out || "started");
    await checkYield({ status, fig, check }, pids, "the user's own load");
    const release = () => {
      asUser(["systemctl", "--user", "stop", "plancton-owner-load"]);
      loadOn = false;
    };
    await checkPauseAndResume({ status, fig, check, running, pidOf, release }, ids);
    check(
      "idle in the kernel at the end",
      idle(userSliceWeight(sliceDir)),
      JSON.stringify(userSliceWeight(sliceDir)),
    );
  } catch (err) {
    const next = await status().then(
      (s) => s.decision.explain.join("; "),
      () => "no status",
    );
    check(
      "scenario ran to the end",
      false,
      `${(err as Error).message}; the daemon's next step: ${next}; daemon log tail: ${tail(logFile)}; ` +
        `journal: ${journal().slice(-1500)}`,
    );
  } finally {
    if (loadOn) asUser(["systemctl", "--user", "stop", "plancton-owner-load"]);
    asUser(["systemctl", "--user", "stop", "plancton-user"], 120_000);
    await removeInstance("hosts-user", docker).catch(() => undefined);
    fig["daemon_log_tail"] = result.checks.every((c) => c.ok) ? undefined : tail(logFile);
  }
  return result;
}
