// on_battery and battery_percent over a fake /sys/class/power_supply in a temp dir.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readPowerSupply } from "../../src/host/power-supply.js";

const root = mkdtempSync(path.join(os.tmpdir(), "plancton-power-"));
after(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, supplies: Record<string, Record<string, string>>): string {
  const dir = path.join(root, name);
  for (const [supply, files] of Object.entries(supplies)) {
    mkdirSync(path.join(dir, supply), { recursive: true });
    for (const [file, text] of Object.entries(files))
      writeFileSync(path.join(dir, supply, file), `${text}\n`);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe("host: power supply", () => {
  it("a laptop unplugged: on battery, its charge", async () => {
    const dir = tree("unplugged", {
      AC: { type: "Mains", online: "0" },
      BAT0: { type: "Battery", status: "Discharging", capacity: "64" },
    });
    assert.deepEqual(await readPowerSupply(dir), { onBattery: 1, batteryPercent: 64 });
  });

  it("plugged in: not on battery, whatever the battery says", async () => {
    const dir = tree("plugged", {
      AC: { type: "Mains", online: "1" },
      BAT0: { type: "Battery", status: "Charging", capacity: "80" },
      BAT1: { type: "Battery", status: "Discharging", capacity: "40" },
    });
    assert.deepEqual(await readPowerSupply(dir), { onBattery: 0, batteryPercent: 60 });
  });

  it("a wireless mouse's battery is not the machine's", async () => {
    const dir = tree("mouse", {
      AC: { type: "Mains", online: "0" },
      hidpp_battery_0: { type: "Battery", scope: "Device", status: "Discharging", capacity: "10" },
    });
    assert.deepEqual(await readPowerSupply(dir), { onBattery: 0 });
  });

  it("a desktop (an empty class): not on battery, no battery_percent", async () => {
    assert.deepEqual(await readPowerSupply(tree("desktop", {})), { onBattery: 0 });
  });

  it("no power_supply class at all: the source is missing (throws)", async () => {
    await assert.rejects(readPowerSupply(path.join(root, "absent")), /ENOENT/);
  });

  it("odd files: an unreadable capacity is left out, no throw", async () => {
    const dir = tree("odd", { BAT0: { type: "Battery", status: "Discharging", capacity: "n/a" } });
    assert.deepEqual(await readPowerSupply(dir), { onBattery: 1 });
  });
});
