// Scenario (d), inside the VM: the person at the keyboard. A real daemon (bin/planctonctl
// nodaemon) with two busy pilots and `suspend_when: input_idle < 4`; when the pilots run it
// prints "@@plancton keys-wanted" and the host presses keys on the VM's PS/2 keyboard through
// QEMU's monitor (sendkey). The kernel counts them on IRQ 1 (i8042); the pilots must be
// frozen (cgroup.events) before a tenth of sample_interval has passed after the first count
// change, i.e. by the fast input watch, not the sampler; then resumed once suspend_when is
// false for resume_after. Ratios and order only; the figures carry the times for the record.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Docker from "dockerode";
import { queryStatus } from "../../src/daemon/report/status-server.js";
import type { StatusSnapshot } from "../../src/daemon/report/status.js";
import { parseInputInterrupts } from "../../src/host/input-interrupts.js";
import { removeInstance } from "../helpers/docker.js";
import { waitFor } from "../helpers/wait.js";
import { frozen } from "./kernel-facts.js";
import type { ScenarioOptions } from "./scenario.js";
import { recorder, type ScenarioResult } from "./scenario-steps.js";

const SAMPLE_INTERVAL_S = 20;
const IDLE_THRESHOLD_S = 4;
// Small pilots: both resume as soon as suspend_when is false, however busy the TCG guest's own
// processes keep its CPUs (the give-back resumes only as many as fit the owner's CPU: with
// 0.5 CPU each, an owner above one core of two held the second pilot paused in CI).
const CPUS_PER_DOCK = 0.2;

function configText(): string {
  const room = 1 - (2 * CPUS_PER_DOCK) / os.availableParallelism();
  return [
    "docker_image: plancton/busybox:local",
    'docker_cmd: ["/bin/sh", "-c", "yes > /dev/null"]',
    "container_prefix: hosts-keyboard",
    "instance: hosts-keyboard",
    `cpus_per_dock: ${CPUS_PER_DOCK}`,
    "max_docks: 2",
    "docks_per_loop: 2",
    "main_sleep: 5s",
    `sample_interval: ${SAMPLE_INTERVAL_S}s`,
    "grace_kill: 6s",
    "grace_spawn: 6s",
    "suspend_grace: 30m",
    "resume_after: 6s",
    `suspend_when: input_idle < ${IDLE_THRESHOLD_S}`,
    `overhead_margin: ${Math.max(0, Math.round((0.95 - room) * 100))}`,
    "network_mode: none",
    "max_dock_mem: 64MiB",
    "pilot_cpu_priority: idle",
    "",
  ].join("\n");
}

const inputCount = (): number => parseInputInterrupts(readFileSync("/proc/interrupts", "utf8")).count;

export async function runKeyboardScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const { result, check } = recorder(opts.name);
  const fig = result.figures;
  const dir = mkdtempSync(path.join(os.tmpdir(), "plancton-host-keyboard-"));
  const configFile = path.join(dir, "config.yaml");
  const rundir = path.join(dir, "run");
  const logFile = path.join(dir, "daemon.log");
  writeFileSync(configFile, configText());
  const docker = new Docker({ socketPath: opts.socket });
  let daemon: ChildProcess | undefined;
  const sock = path.join(rundir, "plancton.sock");
  const status = () => queryStatus<StatusSnapshot>(sock, "/status", 10_000);
  const running = async () => {
    const r = (await status()).pilots.filter((p) => p.state === "running");
    return r.length === 2 ? r.map((p) => p.id).sort() : undefined;
  };
  try {
    const irq = parseInputInterrupts(readFileSync("/proc/interrupts", "utf8"));
    fig["input_lines"] = irq.lines;
    check("the kernel has an input interrupt line", irq.lines.length > 0, irq.lines.join(" ") || "none");
    const out = openSync(logFile, "a");
    daemon = spawn(
      process.execPath,
      [
        path.join(opts.repo, "bin/planctonctl"),
        "nodaemon",
        ...["--config", configFile, "--rundir", rundir, "--logdir", path.join(dir, "log")],
        ...["--pidfile", path.join(dir, "plancton.pid")],
      ],
      { env: { ...process.env, DOCKER_HOST: `unix://${opts.socket}` }, stdio: ["ignore", out, out] },
    );
    const ids = await waitFor("2 running pilots", () => running().catch(() => undefined), 240_000, 1000);
    const before = await status();
    fig["observation_before"] = pick(before.observation);
    fig["sources_missing"] = before.configWarnings.filter((w) => w.includes(" missing ("));
    const pids = await Promise.all(
      ids.map(async (id) => (await docker.getContainer(id).inspect()).State.Pid),
    );

    // Ask the host for key presses, then watch the kernel: the count, then the freezer.
    const count0 = inputCount();
    console.log(`@@plancton keys-wanted ${JSON.stringify({ count: count0 })}`);
    let keyAtMs = 0;
    let frozenAtMs = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && frozenAtMs === 0) {
      if (keyAtMs === 0 && inputCount() !== count0) keyAtMs = Date.now();
      if (keyAtMs !== 0 && pids.every((pid) => frozen(pid) === true)) frozenAtMs = Date.now();
      await sleep(50);
    }
    check(
      "the key presses reached the kernel (IRQ count moved)",
      keyAtMs !== 0,
      `count ${count0} -> ${inputCount()}`,
    );
    const latencyRatio = (frozenAtMs - keyAtMs) / (SAMPLE_INTERVAL_S * 1000);
    fig["freeze_ms_after_first_key"] = frozenAtMs - keyAtMs;
    fig["freeze_over_sample_interval"] = Math.round(latencyRatio * 1000) / 1000;
    check(
      "pilots frozen by the fast input watch (before a tenth of sample_interval)",
      frozenAtMs !== 0 && latencyRatio < 0.1,
      `frozen ${frozenAtMs === 0 ? "never" : `${frozenAtMs - keyAtMs} ms`} after the first key; sample_interval ${SAMPLE_INTERVAL_S} s`,
    );
    // The daemon's pilot list follows the kernel at its next listing (a pause event or main_sleep).
    const paused = await waitFor(
      "status shows the pilots paused",
      async () => {
        const st = await status().catch(() => undefined);
        return st && st.pilots.filter((p) => p.state === "paused").length === 2 ? st : undefined;
      },
      60_000,
      250,
    ).catch(() => undefined);
    fig["observation_paused"] = paused ? pick(paused.observation) : "status never showed them paused";
    check(
      "status shows them paused",
      paused !== undefined,
      JSON.stringify(paused?.pilots.map((p) => p.state)),
    );

    // No more keys: resumed once input_idle passed the threshold and resume_after held.
    const thawed = () => pids.every((pid) => frozen(pid) === false);
    const resumed = await waitFor(
      "pilots resumed and thawed",
      async () => (thawed() ? await running().catch(() => undefined) : undefined),
      120_000,
      250,
    ).catch(() => undefined);
    const after = await status();
    fig["observation_resumed"] = pick(after.observation);
    check(
      "the same pilots resumed, thawed in the kernel",
      JSON.stringify(resumed) === JSON.stringify(ids) && thawed(),
      `running ${JSON.stringify(resumed)}, before ${JSON.stringify(ids)}; frozen ${JSON.stringify(pids.map((pid) => frozen(pid)))}; ` +
        `cpu_owner ${after.observation.cpu_owner}; explain ${JSON.stringify(after.decision.explain)}`,
    );
    check(
      "resumed only after suspend_when turned false",
      (after.observation.input_idle ?? 0) >= IDLE_THRESHOLD_S,
      `input_idle ${after.observation.input_idle} at the resume`,
    );
    // Where the time went, for the record: the daemon's lines about the pause, ms after the first key.
    fig["daemon_pause_lines"] = read(logFile)
      .split("\n")
      .filter((l) => /paus|suspend_when|DEBUG: decision/.test(l))
      .map((l) => ({ l, at: Date.parse(/^\[([^\]]+)\]/.exec(l)?.[1]?.replace(/\+0000$/, "Z") ?? "") }))
      .filter(({ at }) => at >= keyAtMs - 500 && at <= keyAtMs + 10_000)
      .map(({ l }) => l.replace(/explain=.*?(cause=)/, "$1"))
      .slice(0, 10)
      .map((l) => {
        const at = Date.parse(/^\[([^\]]+)\]/.exec(l)?.[1]?.replace(/\+0000$/, "Z") ?? "");
        return `${Number.isNaN(at) ? "?" : at - keyAtMs} ms: ${l.slice(l.indexOf("]") + 1, 110)}`;
      });
    const log = readFileSync(logFile, "utf8");
    check("the daemon says why: suspend_when", /suspend_when/.test(log), tail(log));
  } catch (err) {
    check("scenario ran to the end", false, `${(err as Error).message}; daemon log: ${tail(read(logFile))}`);
  } finally {
    const d = daemon;
    if (d && d.exitCode === null) {
      const exited = new Promise((r) => d.once("exit", r));
      d.kill("SIGTERM");
      await Promise.race([exited, sleep(60_000).then(() => d.kill("SIGKILL"))]);
    }
    await removeInstance("hosts-keyboard", docker).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

function pick(o: Record<string, number | undefined>): Record<string, number | undefined> {
  const names = [
    "input_idle",
    "input_sessions",
    "remote_sessions",
    "on_battery",
    "battery_percent",
    "running",
  ];
  return Object.fromEntries(names.map((n) => [n, o[n]]));
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "(no log)";
  }
}

function tail(text: string): string {
  return text.split("\n").slice(-12).join("\n");
}
