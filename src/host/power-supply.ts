// Mains or battery, from /sys/class/power_supply: each supply is a directory with a
// `type` (Mains, USB, Battery, ...), `online` for chargers and `status` and `capacity`
// for batteries. QEMU has none of these: the tests give a fake tree.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface PowerSupply {
  /** 1 when no AC (or USB) supply is online and a battery discharges, else 0. */
  readonly onBattery: number;
  /** Mean charge of the batteries, percent; undefined when the machine has none. */
  readonly batteryPercent?: number;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    return undefined;
  }
}

/** Throws when the class directory is missing (the source is absent on this host). */
export async function readPowerSupply(root = "/sys/class/power_supply"): Promise<PowerSupply> {
  const names = await readdir(root);
  let acOnline = false;
  let discharging = false;
  const charges: number[] = [];
  for (const name of names.sort()) {
    const dir = join(root, name);
    const type = await readText(join(dir, "type"));
    if (type === "Battery") {
      // A peripheral's battery (a wireless mouse) says scope=Device: not the machine's.
      if ((await readText(join(dir, "scope"))) === "Device") continue;
      if ((await readText(join(dir, "status"))) === "Discharging") discharging = true;
      const capacity = Number(await readText(join(dir, "capacity")));
      if (Number.isFinite(capacity) && capacity >= 0) charges.push(Math.min(100, capacity));
    } else if ((await readText(join(dir, "online"))) === "1") {
      acOnline = true;
    }
  }
  const onBattery = !acOnline && discharging ? 1 : 0;
  if (charges.length === 0) return { onBattery };
  return { onBattery, batteryPercent: charges.reduce((a, b) => a + b, 0) / charges.length };
}
