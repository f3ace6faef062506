// A private Podman API service on this host: its own socket, storage and
// containers.conf in a temporary folder (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF),
// never /etc. This machine needs two workarounds of its own, not of Podman: rlimits
// no higher than 16384 (higher ones are refused) and runc (crun refuses the cgroup v1
// hybrid). No systemd here, so the cgroupfs manager.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { waitFor } from "../helpers/wait.js";

export interface PodmanService {
  readonly socket: string;
  /** Runs the podman CLI on the same storage and configuration. */
  podman(args: readonly string[]): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

export async function startPodmanService(dir: string): Promise<PodmanService> {
  if (spawnSync("podman", ["--version"]).status !== 0)
    throw new Error("podman is missing: run scripts/prepare-vm.sh (as root)");
  for (const d of ["graph", "run", "tmp", "libpod"]) mkdirSync(path.join(dir, d), { recursive: true });
  const conf = path.join(dir, "containers.conf");
  writeFileSync(
    conf,
    [
      "[containers]",
      'default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]',
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${path.join(dir, "events.log")}"`,
      `tmp_dir = "${path.join(dir, "tmp")}"`,
      `static_dir = "${path.join(dir, "libpod")}"`,
      "",
    ].join("\n"),
  );
  const storage = path.join(dir, "storage.conf");
  writeFileSync(
    storage,
    `[storage]\ndriver = "overlay"\ngraphroot = "${path.join(dir, "graph")}"\nrunroot = "${path.join(dir, "run")}"\n`,
  );
  const env = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
  const socket = path.join(dir, "podman.sock");
  const child: ChildProcess = spawn("podman", ["system", "service", "--time=0", `unix://${socket}`], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-4000)));
  const service: PodmanService = {
    socket,
    podman: (args) => {
      const r = spawnSync("podman", args, { env, encoding: "utf8", timeout: 120_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(20_000).then(() => child.kill("SIGKILL"))]);
    },
  };
  try {
    await waitFor("the Podman API socket", () => existsSync(socket) || child.exitCode !== null, 60_000, 200);
    if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode}: ${stderr}`);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}
