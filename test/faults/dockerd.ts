// The fault suite's OWN dockerd: a private engine (its own socket, data root, exec root,
// pidfile and containerd, no bridge, no iptables) started for the run by run.ts, so the
// suite can stop and restart Docker under the daemon without touching the host's shared
// dockerd or anybody else's containers. run.ts writes its description to a JSON file
// named by PLANCTON_FAULTS_DOCKERD and points DOCKER_HOST at its socket; the tests read
// it back with privateDockerd().
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Docker from "dockerode";

export interface PrivateDockerd {
  dir: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  log: string;
  args: string[];
}

export const DESCRIPTION_ENV = "PLANCTON_FAULTS_DOCKERD";

export function describeDockerd(dir: string): PrivateDockerd {
  const d = {
    dir,
    socket: path.join(dir, "docker.sock"),
    dataRoot: path.join(dir, "data"),
    execRoot: path.join(dir, "exec"),
    pidfile: path.join(dir, "docker.pid"),
    log: path.join(dir, "dockerd.log"),
  };
  // A containerd namespace of its own too: if a system containerd runs, dockerd uses it.
  const ns = `plancton-faults-${path.basename(dir)}`;
  const args = [
    "-H",
    `unix://${d.socket}`,
    "--data-root",
    d.dataRoot,
    "--exec-root",
    d.execRoot,
    "--pidfile",
    d.pidfile,
    "--bridge=none",
    "--iptables=false",
    "--ip6tables=false",
    "--ip-masq=false",
    "--containerd-namespace",
    ns,
    "--containerd-plugins-namespace",
    `${ns}-plugins`,
  ];
  return { ...d, args };
}

/** The private dockerd run.ts started, or a clear error (the suite never falls back to the shared one). */
export function privateDockerd(): PrivateDockerd {
  const file = process.env[DESCRIPTION_ENV];
  if (!file || !existsSync(file))
    throw new Error(
      `no private dockerd: run the fault suite with \`npm run test:faults\` (it starts one; it never restarts the host's dockerd)`,
    );
  return JSON.parse(readFileSync(file, "utf8")) as PrivateDockerd;
}

export function saveDescription(d: PrivateDockerd): string {
  const file = path.join(d.dir, "dockerd.json");
  writeFileSync(file, `${JSON.stringify(d)}\n`);
  return file;
}

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "dockerd";
  } catch {
    return false;
  }
}

/** The private dockerd's PID, from its own pidfile. */
export async function dockerdPid(d: PrivateDockerd): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(d.pidfile, "utf8")).trim(), 10);
    return Number.isInteger(pid) && pid > 0 && isDockerd(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** One ping on the private socket, bounded by timeoutMs. */
export async function dockerAnswers(d: PrivateDockerd, timeoutMs = 3000): Promise<boolean> {
  if (!existsSync(d.socket)) return false;
  try {
    await new Docker({ socketPath: d.socket, timeout: timeoutMs }).ping();
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Starts the private dockerd (unless it answers) and waits until it answers. */
export async function startDockerd(d: PrivateDockerd, timeoutMs = 90_000): Promise<void> {
  if (await dockerAnswers(d)) return;
  const old = await dockerdPid(d);
  if (old !== undefined)
    await waitUntil(`the old private dockerd (PID ${old}) to exit`, () => !isDockerd(old), 60_000).catch(
      () => undefined,
    );
  await mkdir(d.dir, { recursive: true });
  const log = openSync(d.log, "a");
  // Its own session: a Ctrl-C of the test run does not reach it (run.ts stops it).
  // Its own network namespace too (unshare execs dockerd, same PID): with --bridge=none a
  // dockerd deletes the host's docker0, which breaks the shared engine's containers.
  spawn("unshare", ["--net", "dockerd", ...d.args], { detached: true, stdio: ["ignore", log, log] }).unref();
  closeSync(log);
  await waitUntil(
    `the private dockerd to answer on ${d.socket} (log: ${d.log})`,
    () => dockerAnswers(d),
    timeoutMs,
  );
}

/** SIGTERM to the private dockerd; waits for it to exit (it first stops its containers). */
export async function stopDockerd(d: PrivateDockerd, timeoutMs = 120_000): Promise<number> {
  const pid = await dockerdPid(d);
  if (pid === undefined)
    throw new Error(`the private dockerd does not run (pidfile ${d.pidfile}; log ${d.log})`);
  process.kill(pid, "SIGTERM");
  await waitUntil(`the private dockerd (PID ${pid}) to exit after SIGTERM`, () => !isDockerd(pid), timeoutMs);
  return pid;
}

/** Mount points under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => p !== undefined);
  return points.filter((p) => p === dir || p.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

/**
 * With the private dockerd stopped: unmounts the root filesystems it left mounted for
 * containers whose name matches. A container created (or being removed) while dockerd
 * shuts down keeps its root filesystem mounted; at the next start dockerd's mount of its
 * data root hides that mount, and the container can then never be removed. Returns the
 * names of the containers concerned.
 */
export async function unmountLeftoverRootfs(
  d: PrivateDockerd,
  match: (name: string) => boolean,
): Promise<string[]> {
  const mounted = new Set(mountsUnder(d.dataRoot));
  const names: string[] = [];
  const ids = await readdir(path.join(d.dataRoot, "containers")).catch(() => [] as string[]);
  for (const id of ids) {
    try {
      const config = JSON.parse(
        await readFile(path.join(d.dataRoot, "containers", id, "config.v2.json"), "utf8"),
      ) as { Name?: string };
      if (!config.Name || !match(config.Name)) continue;
      const mountId = (
        await readFile(
          path.join(d.dataRoot, "image", "overlay2", "layerdb", "mounts", id, "mount-id"),
          "utf8",
        )
      ).trim();
      const merged = path.join(d.dataRoot, "overlay2", mountId, "merged");
      if (!mounted.has(merged)) continue;
      spawnSync("umount", [merged], { stdio: "ignore" });
      names.push(config.Name);
    } catch {
      // not a container of ours, or not overlay2
    }
  }
  return names;
}

/** Stops the private dockerd (SIGKILL after a bound), unmounts what it left, removes its directory. */
export async function destroyDockerd(d: PrivateDockerd): Promise<void> {
  const pid = await dockerdPid(d);
  if (pid !== undefined) {
    process.kill(pid, "SIGTERM");
    await waitUntil("the private dockerd to exit", () => !isDockerd(pid), 60_000).catch(() =>
      process.kill(pid, "SIGKILL"),
    );
  }
  // Its containerd and shims stop with it; what they mounted goes with the directory.
  for (const m of mountsUnder(d.dir)) spawnSync("umount", ["-l", m], { stdio: "ignore" });
  await rm(d.dir, { recursive: true, force: true });
}

/** Copies an image of the shared engine into the private one (docker save | docker load). */
export async function loadImage(d: PrivateDockerd, image: string, from = new Docker()): Promise<void> {
  const tar = await from.getImage(image).get();
  const to = new Docker({ socketPath: d.socket, timeout: 120_000 });
  const progress = await to.loadImage(tar);
  await new Promise<void>((resolve, reject) =>
    to.modem.followProgress(progress, (err) => (err ? reject(err) : resolve())),
  );
  await to.getImage(image).inspect();
}
