// Stopping and starting the REAL dockerd of this machine (no systemd here: it runs
// detached, started by scripts/prepare-host.sh). Used only by the fault suite, which
// runs alone: stopping dockerd stops every container of the host.
// restoreDockerd() is safe to call at any time (after/finally, signal handlers): it
// starts dockerd exactly as prepare-host.sh does when Docker does not answer.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Docker from "dockerode";

export const DOCKER_SOCK = "/var/run/docker.sock";
const PIDFILE = "/var/run/docker.pid";
/** Exactly prepare-host.sh's line. */
const START_DOCKERD = "nohup setsid dockerd >/var/log/dockerd-plancton.log 2>&1 </dev/null &";

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "dockerd";
  } catch {
    return false;
  }
}

/** dockerd's PID: its pidfile when it names a live dockerd, else a scan of /proc. */
export async function dockerdPid(): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(PIDFILE, "utf8")).trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && isDockerd(pid)) return pid;
  } catch {
    // no pidfile
  }
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && isDockerd(pid)) return pid;
  }
  return undefined;
}

/** One ping on the real socket, bounded by timeoutMs. */
export async function dockerAnswers(timeoutMs = 3000): Promise<boolean> {
  if (!existsSync(DOCKER_SOCK)) return false;
  const d = new Docker({ socketPath: DOCKER_SOCK, timeout: timeoutMs });
  try {
    await d.ping();
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** This process and its ancestors (the test runner that spawned this file). */
function ancestry(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !out.has(pid)) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * Who else uses Docker now: other test or benchmark runs (node processes running
 * --test or bench/, outside this run) and running containers not matching `ours`.
 */
export async function otherDockerUsers(ours: (labels: Record<string, string>) => boolean): Promise<string[]> {
  const mine = ancestry();
  const users: string[] = [];
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0 || mine.has(pid)) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    if (/\bnode\b/.test(cmd) && /(--test\b|bench\/)/.test(cmd)) users.push(`process ${pid}: ${cmd.slice(0, 120)}`);
  }
  if (await dockerAnswers()) {
    const d = new Docker({ socketPath: DOCKER_SOCK, timeout: 5000 });
    for (const c of await d.listContainers({ filters: { status: ["running"] } })) if (!ours(c.Labels)) users.push(`container ${c.Names[0]}`);
  }
  return users;
}

/** SIGTERM to dockerd, then waits for it to exit (it first stops the containers: up to their 10 s stop timeout). */
export async function stopDockerd(timeoutMs = 120_000): Promise<number> {
  const pid = await dockerdPid();
  if (pid === undefined) throw new Error("no dockerd process found: is Docker running? (npm run prepare-host)");
  process.kill(pid, "SIGTERM");
  await waitUntil(`dockerd (PID ${pid}) to exit after SIGTERM`, () => !isDockerd(pid), timeoutMs);
  return pid;
}

/** Starts dockerd as prepare-host.sh does, unless Docker answers; waits until it answers. */
export async function startDockerd(timeoutMs = 90_000): Promise<void> {
  if (await dockerAnswers()) return;
  // A dockerd still shutting down would refuse to start (its pidfile): let it finish.
  const old = await dockerdPid();
  if (old !== undefined) await waitUntil(`the old dockerd (PID ${old}) to exit`, () => !isDockerd(old), 60_000).catch(() => undefined);
  const child = spawn("bash", ["-c", START_DOCKERD], { stdio: "ignore", detached: true });
  child.unref();
  await waitUntil("dockerd to answer on /var/run/docker.sock (log: /var/log/dockerd-plancton.log)", () => dockerAnswers(), timeoutMs);
}

const DATA_ROOT = "/var/lib/docker";

/**
 * With dockerd stopped: unmounts the root filesystems it left mounted for containers whose
 * name matches. A container created (or being removed) while dockerd shuts down keeps its
 * root filesystem mounted; at the next start dockerd's bind mount of its data root hides
 * that mount, and the container can then never be removed ("device or resource busy").
 * Returns the names of the containers concerned.
 */
export async function unmountLeftoverRootfs(match: (name: string) => boolean): Promise<string[]> {
  const mounted = new Set(readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((p): p is string => p !== undefined));
  const names: string[] = [];
  let ids: string[] = [];
  try {
    ids = await readdir(path.join(DATA_ROOT, "containers"));
  } catch {
    return names;
  }
  for (const id of ids) {
    try {
      const config = JSON.parse(await readFile(path.join(DATA_ROOT, "containers", id, "config.v2.json"), "utf8")) as { Name?: string };
      if (!config.Name || !match(config.Name)) continue;
      const mountId = (await readFile(path.join(DATA_ROOT, "image", "overlay2", "layerdb", "mounts", id, "mount-id"), "utf8")).trim();
      const merged = path.join(DATA_ROOT, "overlay2", mountId, "merged");
      if (!mounted.has(merged)) continue;
      spawnSync("umount", [merged], { stdio: "ignore" });
      names.push(config.Name);
    } catch {
      // not a container of ours, or not overlay2
    }
  }
  return names;
}

/** Same as startDockerd, synchronously, for process exit paths (signals). */
export function startDockerdSync(): void {
  const r = spawnSync("bash", ["-c", `timeout 5 docker version >/dev/null 2>&1 || { ${START_DOCKERD} for i in $(seq 1 60); do timeout 5 docker version >/dev/null 2>&1 && break; sleep 1; done; }`], { stdio: "ignore" });
  void r;
}

/**
 * While dockerd is down because of us, a Ctrl-C of the test run must not leave the
 * machine without Docker: these handlers start it again, then let the signal end us.
 * Returns the function that removes them.
 */
export function restoreDockerdOnSignals(): () => void {
  const handler = (sig: NodeJS.Signals) => {
    startDockerdSync();
    process.kill(process.pid, sig);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.once(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
