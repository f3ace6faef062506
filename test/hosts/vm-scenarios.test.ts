// Scenarios (a) Docker systemd driver, (b) Docker cgroupfs driver and (c) Podman
// rootful, each on cgroup v2 with systemd, in a Debian 12 VM booted under qemu
// (the image is built once and cached: test/hosts/build-image.sh).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { bootVm, projectDisk, resultLines, tempDir, vmImage } from "./vm.js";
import type { ScenarioResult } from "./scenario.js";

const VM_DEADLINE_MS = 25 * 60_000;

test(
  "host scenarios in a Debian 12 VM (cgroup v2, systemd)",
  { timeout: VM_DEADLINE_MS + 25 * 60_000 },
  async (t) => {
    const image = vmImage();
    const dir = tempDir("vm");
    try {
      const disk = projectDisk(dir);
      let run = await bootVm(image, disk, VM_DEADLINE_MS, path.join(dir, "serial.log"));
      // A kernel that panicked before the scenarios began (a starved TCG guest) boots once more.
      if (resultLines(run.serial, "boot").length === 0 && /Kernel panic/.test(run.serial)) {
        t.diagnostic(
          `the VM's kernel panicked while booting; booting again: ${/Kernel panic.*/.exec(run.serial)?.[0] ?? ""}`,
        );
        run = await bootVm(image, disk, VM_DEADLINE_MS, path.join(dir, "serial.log"));
      }
      const results = resultLines(run.serial, "result") as ScenarioResult[];
      for (const line of [
        ...resultLines(run.serial, "boot"),
        ...resultLines(run.serial, "engine"),
        ...resultLines(run.serial, "done"),
      ])
        t.diagnostic(JSON.stringify(line));
      const lastLines = run.serial.split("\n").slice(-40).join("\n");
      for (const name of ["docker-systemd", "docker-cgroupfs", "podman"]) {
        await t.test(name, () => {
          const r = results.find((x) => x.name === name);
          assert.ok(
            r,
            `no result for ${name} on the serial console (VM exit ${String(run.exit)}${run.timedOut ? ", killed at the deadline" : ""}); last lines:\n${lastLines}`,
          );
          t.diagnostic(`${name}: ${JSON.stringify(r.figures)}`);
          const failed = r.checks.filter((c) => !c.ok);
          assert.deepEqual(failed, [], `${name}: ${failed.length} check(s) failed`);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
