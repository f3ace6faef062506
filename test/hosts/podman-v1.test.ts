// Scenario (d): Podman on this host's cgroup v1 (hybrid, cgroupfs manager, runc),
// through its Docker-compatible API on a private socket, with a real daemon and busy pilots.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runScenario } from "./scenario.js";
import { startPodmanService } from "./podman-service.js";
import { busyboxTar, REPO, tempDir } from "./vm.js";

test("host scenario: Podman on this host's cgroup v1", { timeout: 15 * 60_000 }, async (t) => {
  const dir = tempDir("podman-v1");
  const podman = await startPodmanService(dir);
  try {
    const tar = path.join(dir, "busybox.tar");
    busyboxTar(tar);
    const imported = podman.podman(["import", tar, "plancton/busybox:local"]);
    assert.equal(imported.status, 0, `podman import: ${imported.stderr}`);
    // The host is shared: smaller pilots, so the owner's share others use leaves room for two.
    const r = await runScenario({
      name: "podman-v1",
      socket: podman.socket,
      parent: "plancton",
      repo: REPO,
      cpusPerDock: 0.25,
    });
    t.diagnostic(`podman-v1: ${JSON.stringify(r.figures)}`);
    const failed = r.checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], `podman-v1: ${failed.length} check(s) failed`);
  } finally {
    podman.podman(["rm", "-af"]);
    await podman.stop();
    spawnUnmount(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Overlay mounts left under the private storage would keep rm from removing it. */
function spawnUnmount(dir: string): void {
  const mounts = (process.getBuiltinModule("node:fs").readFileSync("/proc/self/mounts", "utf8") as string)
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(dir))
    .reverse();
  for (const m of mounts) process.getBuiltinModule("node:child_process").spawnSync("umount", ["-l", m]);
}
