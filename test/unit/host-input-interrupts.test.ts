// The input lines of /proc/interrupts, on recorded files: counted, and odd text never throws.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseInputInterrupts } from "../../src/host/input-interrupts.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/desktop/${name}`, import.meta.url), "utf8");

describe("host: input interrupt counts", () => {
  it("a laptop: both i8042 lines and the I2C-HID touchpad, not USB, Wi-Fi or the disk", () => {
    const r = parseInputInterrupts(fixture("interrupts-laptop.txt"));
    assert.deepEqual(r.lines, ["1:i8042", "12:i8042", "52:i2c_hid_acpi"]);
    assert.equal(r.count, 1520 + 310 + 9001 + 120 + 33000);
  });

  it("QEMU's pc machine: IRQ 1 and 12, i8042", () => {
    const r = parseInputInterrupts(fixture("interrupts-qemu-pc.txt"));
    assert.deepEqual(r.lines, ["1:i8042", "12:i8042"]);
    assert.equal(r.count, 9);
  });

  it("a cloud VM has no input line (virtio's input queue is a network or rng queue)", () => {
    assert.deepEqual(parseInputInterrupts(fixture("interrupts-server.txt")), { count: 0, lines: [] });
  });

  it("a key press moves the count", () => {
    const before = fixture("interrupts-qemu-pc.txt");
    const after = before.replace("  1:          0          9", "  1:          0         11");
    assert.equal(parseInputInterrupts(after).count - parseInputInterrupts(before).count, 2);
  });

  it("odd text: empty, truncated, garbage, no header: no throw, nothing made up", () => {
    for (const text of ["", "\n\n", "garbage", "  1: i8042", "1: x y i8042\n", "CPU0\n  1: 12abc i8042"]) {
      const r = parseInputInterrupts(text);
      assert.equal(r.count, 0, JSON.stringify(text));
    }
    const truncated = fixture("interrupts-laptop.txt").slice(0, 200);
    assert.doesNotThrow(() => parseInputInterrupts(truncated));
  });
});
