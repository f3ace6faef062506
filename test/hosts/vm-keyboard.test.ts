// Scenario (d), the person at the keyboard (issue 24, 5a): the VM's pilots run, this test
// presses keys on the VM's PS/2 keyboard through QEMU's monitor (sendkey) when the scenario
// asks, and the scenario (keyboard-scenario.ts) checks in the VM that the kernel counted them
// on the i8042 line, that the pilots were frozen by the fast input watch, and resumed after.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { bootVm, projectDisk, resultLines, tempDir, vmImage } from "./vm.js";
import type { ScenarioResult } from "./scenario.js";

const VM_DEADLINE_MS = 15 * 60_000;
const KEYS = ["a", "s", "d"];

/** Sends monitor commands one by one on a fresh connection; bounded, closed at the end. */
async function sendKeys(socket: string): Promise<string> {
  const conn = net.createConnection(socket);
  let said = "";
  conn.on("data", (c) => (said += c.toString("utf8")));
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once("connect", resolve);
      conn.once("error", reject);
    });
    for (const key of KEYS) {
      conn.write(`sendkey ${key}\n`);
      await sleep(300);
    }
    return said;
  } finally {
    conn.destroy();
  }
}

test(
  "the person at the keyboard: key presses on the VM's keyboard freeze the pilots",
  { timeout: VM_DEADLINE_MS + 10 * 60_000 },
  async (t) => {
    const image = vmImage();
    const dir = tempDir("vm-keyboard");
    try {
      const disk = projectDisk(dir);
      const monitorSocket = path.join(dir, "monitor.sock");
      let asked = false;
      let seen = "";
      let sent: Promise<string> | undefined;
      const run = await bootVm(image, disk, VM_DEADLINE_MS, path.join(dir, "serial.log"), {
        append: "plancton.scenario=keyboard",
        monitorSocket,
        onSerial: (text) => {
          seen = (seen + text).slice(-4096); // the marker may come in two chunks
          if (asked || !seen.includes("@@plancton keys-wanted")) return;
          asked = true;
          sent = sendKeys(monitorSocket);
        },
      });
      const monitorSaid = sent ? await sent.catch((err: Error) => `monitor error: ${err.message}`) : "";
      t.diagnostic(`monitor: ${JSON.stringify(monitorSaid.slice(0, 300))}`);
      for (const line of [...resultLines(run.serial, "boot"), ...resultLines(run.serial, "engine")])
        t.diagnostic(JSON.stringify(line));
      assert.ok(
        asked,
        `the scenario never asked for keys (VM exit ${String(run.exit)}); last lines:\n${run.serial.split("\n").slice(-40).join("\n")}`,
      );
      const r = (resultLines(run.serial, "result") as ScenarioResult[]).find((x) => x.name === "keyboard");
      assert.ok(
        r,
        `no result for keyboard (VM exit ${String(run.exit)}${run.timedOut ? ", killed at the deadline" : ""})`,
      );
      t.diagnostic(`keyboard: ${JSON.stringify(r.figures)}`);
      const failed = r.checks.filter((c) => !c.ok);
      assert.deepEqual(failed, [], `keyboard: ${failed.length} check(s) failed`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
