// The input devices' interrupt counts in /proc/interrupts: a key press, a mouse move or a
// touch raises the count of its controller's line (i8042 on IRQ 1 and 12 for PS/2 keyboards,
// laptop keyboards and touchpads; i2c-hid touchpads; virtio and USB HID where the driver
// names the line). Only the counts are read, never an input event: nothing of what is typed.
// A USB keyboard shares its host controller's line (xhci_hcd) with disks and cameras, so that
// line is not counted: logind's idle hint (logind-sessions.ts) covers those.
import { readFile } from "node:fs/promises";

/** Names of interrupt lines that input devices raise (the description's last words). */
const INPUT_LINE =
  /\b(i8042|atkbd|psmouse|keyboard|mouse|touchpad|touchscreen|i2c[_-]hid\w*|hid[_-]\w+|usbhid|kbd)\b/i;
/** virtio's "virtioN-input.0" is a network queue, not an input device. */
const NOT_INPUT = /virtio\d*-input\.\d+/i;

export interface InputInterrupts {
  /** Sum of the counts of every input line over every CPU. */
  readonly count: number;
  /** The lines counted, "1:i8042", for status. */
  readonly lines: readonly string[];
}

/** Pure: /proc/interrupts text in; odd lines are skipped, never thrown on. */
export function parseInputInterrupts(text: string): InputInterrupts {
  const rows = text.split("\n");
  const header = rows[0] ?? "";
  const ncpus = header.trim() === "" ? 0 : header.trim().split(/\s+/).length;
  let count = 0;
  const lines: string[] = [];
  for (const row of rows.slice(1)) {
    const m = /^\s*(\d+):\s+(.*)$/.exec(row);
    if (!m) continue; // NMI, LOC, ... and anything odd
    const fields = m[2]!.trim().split(/\s+/);
    let n = 0;
    let sum = 0;
    while (n < fields.length && (ncpus === 0 || n < ncpus) && /^\d+$/.test(fields[n]!)) {
      sum += Number(fields[n]);
      n++;
    }
    const description = fields.slice(n).join(" ");
    if (n === 0 || !INPUT_LINE.test(description) || NOT_INPUT.test(description)) continue;
    count += sum;
    lines.push(`${m[1]}:${fields[fields.length - 1]}`);
  }
  return { count, lines };
}

/** Reads /proc/interrupts (a few kB of kernel text, cheap enough for every 250 ms). */
export async function readInputInterrupts(file = "/proc/interrupts"): Promise<InputInterrupts> {
  return parseInputInterrupts(await readFile(file, "utf8"));
}
