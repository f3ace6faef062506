// Boots the scenario VM under qemu (TCG: KVM fails on these machines) and brings
// back its serial console. The root disk is the cached image opened with
// snapshot=on (the cache is never written); the project rides on a second,
// read-only disk made with `mkfs.ext4 -d`. Every run is bounded by a deadline and
// the qemu process is killed in finally, whatever happened.
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "..", "..");

/** Runs build-image.sh (cached) and returns the image directory. */
export function vmImage(): string {
  const r = spawnSync("bash", [path.join(REPO, "test/hosts/build-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 20 * 60_000,
  });
  if (r.status !== 0)
    throw new Error(
      `test/hosts/build-image.sh failed (exit ${r.status ?? r.signal}): run scripts/prepare-vm.sh as root first`,
    );
  return r.stdout.trim().split("\n").pop()!;
}

/**
 * The project disk: the built project (bin, dist, node_modules, test) and this
 * machine's node binary (Debian 12's own nodejs is too old), hard-linked into a
 * staging folder and packed with mkfs.ext4 -d.
 */
export function projectDisk(dir: string): string {
  const staging = path.join(dir, "project");
  mkdirSync(staging);
  for (const part of [
    "bin",
    "dist",
    "node_modules",
    "test",
    "src",
    "package.json",
    "conf-examples",
    "tsconfig.json",
    "systemd",
  ]) {
    // Hard links when /tmp and the repository share a filesystem (fast), else a copy.
    // realpath: a worktree's node_modules may be a symlink to the main checkout's.
    const from = realpathSync(path.join(REPO, part));
    const to = path.join(staging, part);
    if (spawnSync("cp", ["-al", from, to]).status !== 0)
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
  mkdirSync(path.join(staging, ".vm", "bin"), { recursive: true });
  cpSync(process.execPath, path.join(staging, ".vm", "bin", "node"));
  busyboxTar(path.join(staging, ".vm", "busybox.tar"));
  const img = path.join(dir, "project.img");
  const r = spawnSync("mkfs.ext4", ["-q", "-F", "-L", "plancton-project", "-d", staging, img, "1G"], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`mkfs.ext4 -d for the project disk failed: ${r.stderr}`);
  rmSync(staging, { recursive: true, force: true });
  return img;
}

/** The pilot image's root filesystem (busybox-static, as scripts/prepare-host.sh builds it) as a tar. */
export function busyboxTar(tar: string): void {
  const root = path.join(path.dirname(tar), "busybox-root");
  for (const d of ["bin", "tmp", "etc", "proc", "sys", "dev"])
    mkdirSync(path.join(root, d), { recursive: true });
  cpSync(realpathSync("/bin/busybox"), path.join(root, "bin", "busybox"));
  const list = spawnSync(path.join(root, "bin", "busybox"), ["--list"], { encoding: "utf8" });
  if (list.status !== 0)
    throw new Error("busybox --list failed: is busybox-static installed (npm run prepare-host)?");
  // Relative links (busybox --install would link to this folder's absolute path).
  for (const app of list.stdout.split("\n").filter((a) => a && a !== "busybox"))
    symlinkSync("busybox", path.join(root, "bin", app));
  writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(path.join(root, "etc", "group"), "root:x:0:\n");
  const r = spawnSync("tar", ["-C", root, "-cf", tar, "."]);
  if (r.status !== 0) throw new Error(`tar of the busybox image failed: ${String(r.stderr)}`);
  rmSync(root, { recursive: true, force: true });
}

export interface VmRun {
  /** Everything the VM wrote on its serial console. */
  serial: string;
  exit: number | string | null;
  timedOut: boolean;
  wallMs: number;
}

/** What one scenario adds to the boot: kernel arguments, QEMU's monitor on a unix socket, a serial watcher. */
export interface VmExtras {
  readonly append?: string;
  readonly monitorSocket?: string;
  readonly onSerial?: (text: string) => void;
}

/** Boots the image with the project disk; resolves when the VM powers off or the deadline kills it. */
export async function bootVm(
  image: string,
  projectImg: string,
  timeoutMs: number,
  serialLog: string,
  extras: VmExtras = {},
): Promise<VmRun> {
  // no_timer_check: on a loaded host the TCG guest's timer check fails ("IO-APIC + timer
  // doesn't work") and the kernel panics; panic=-1 turns any panic into an exit (-no-reboot).
  // -cpu Nehalem: no AVX, whose TCG emulation is new in qemu 7.2 (node died once of SIGILL with -cpu max).
  const args = [
    "-accel",
    "tcg,thread=multi",
    "-cpu",
    "Nehalem",
    "-smp",
    "2",
    "-m",
    "2048",
    "-nodefaults",
    "-display",
    "none",
    "-no-reboot",
    "-nic",
    "none",
    "-kernel",
    path.join(image, "vmlinuz"),
    "-initrd",
    path.join(image, "initrd.img"),
    "-append",
    "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 apparmor=1 security=apparmor no_timer_check panic=-1" +
      (extras.append ? ` ${extras.append}` : ""),
    "-drive",
    `file=${path.join(image, "rootfs.img")},format=raw,if=virtio,snapshot=on`,
    "-drive",
    `file=${projectImg},format=raw,if=virtio,readonly=on`,
    "-serial",
    "stdio",
    "-monitor",
    extras.monitorSocket ? `unix:${extras.monitorSocket},server=on,wait=off` : "none",
  ];
  const t0 = Date.now();
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  const out = createWriteStream(serialLog);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => {
    chunks.push(c);
    out.write(c);
    extras.onSerial?.(c.toString("utf8"));
  });
  child.stderr.on("data", (c: Buffer) => {
    chunks.push(c);
    out.write(c);
  });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const exit = await new Promise<number | string | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => resolve(code ?? signal));
      timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
    });
    return { serial: Buffer.concat(chunks).toString("utf8"), exit, timedOut, wallMs: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    out.end();
  }
}

export function tempDir(name: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `plancton-${name}-`));
}

/** Result lines the scenarios print: "@@plancton <kind> <json>". */
export function resultLines(serial: string, kind: string): unknown[] {
  const found: unknown[] = [];
  for (const line of serial.split(/\r?\n/)) {
    const at = line.indexOf(`@@plancton ${kind} `);
    if (at >= 0) found.push(JSON.parse(line.slice(at + `@@plancton ${kind} `.length)));
  }
  return found;
}
