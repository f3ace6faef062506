// Scenario (f), the desktop's own user (issue 24, 5b): the VM boots with plancton.scenario=user;
// inside, user-setup.sh makes the user `desk` with rootless Podman under its own systemd
// manager, and user-scenario.ts runs the daemon as desk's user unit (planctonctl --user) and
// checks against the kernel: pilots under desk's plancton.slice at idle weight, their CPU
// counted as the pilots', paused (frozen) under the owner's load and resumed, and
// `planctonctl --user status` telling the priority in force. Bounded: the VM is killed at
// VM_DEADLINE_MS whatever happened.
import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { bootVm, projectDisk, resultLines, tempDir, vmImage } from "./vm.js";
import type { ScenarioResult } from "./scenario.js";

const VM_DEADLINE_MS = 20 * 60_000;

test(
  "the desktop's own user: rootless Podman, the daemon as a user unit, pilots idle in the user's slice",
  { timeout: VM_DEADLINE_MS + 10 * 60_000 },
  async (t) => {
    const image = vmImage();
    const dir = tempDir("vm-user");
    try {
      const disk = projectDisk(dir);
      const run = await bootVm(image, disk, VM_DEADLINE_MS, path.join(dir, "serial.log"), {
        append: "plancton.scenario=user",
      });
      for (const line of [...resultLines(run.serial, "boot"), ...resultLines(run.serial, "user-setup")])
        t.diagnostic(JSON.stringify(line));
      const r = (resultLines(run.serial, "result") as ScenarioResult[]).find((x) => x.name === "user");
      assert.ok(
        r,
        `no result for user (VM exit ${String(run.exit)}${run.timedOut ? ", killed at the deadline" : ""}); ` +
          `last lines:\n${run.serial.split("\n").slice(-40).join("\n")}`,
      );
      t.diagnostic(`user: ${JSON.stringify(r.figures)}`);
      for (const c of r.checks) t.diagnostic(`${c.ok ? "ok" : "FAILED"} ${c.name}: ${c.detail}`);
      const failed = r.checks.filter((c) => !c.ok);
      assert.deepEqual(failed, [], `user: ${failed.length} check(s) failed`);
    } finally {
      // The console of the last run stays for a look (the VM's own log of each step).
      try {
        copyFileSync(path.join(dir, "serial.log"), path.join(os.tmpdir(), "plancton-vm-user-serial.log"));
      } catch {
        // no console: the VM did not start
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
