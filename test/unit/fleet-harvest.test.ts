// The fleet's harvest figures: each host's core-hours of the last 24 h in its status
// record (inside the 1 KiB), and the site total in the summary.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarize, type HostRow } from "../../src/fleet/fleet-view.js";
import { decodeStatus, encodeStatus } from "../../src/fleet/status-record.js";
import { STATUS_MAX_BYTES, type HostStatus } from "../../src/fleet/fleet-types.js";

const status = (name: string, coreHours24h?: number | null): HostStatus => ({
  name,
  version: "1.0.0-" + "x".repeat(400),
  engine: "docker 24.0.5",
  mode: "active",
  running: 2,
  paused: 0,
  max: 4,
  ncpus: 8,
  ownerCpu: 0.1,
  pilotCpu: 0.25,
  priority: "idle",
  config: "local+" + "y".repeat(400),
  lastTickAtMs: 1,
  atMs: 1,
  ...(coreHours24h === undefined ? {} : { coreHours24h }),
});

const row = (s: HostStatus, state: "up" | "gone"): HostRow => ({ ...s, state, seenAgoSeconds: 0 });

describe("fleet harvest", () => {
  it("the record keeps its core-hours within 1 KiB", () => {
    const text = encodeStatus(status("wn1", 123456.78));
    assert.ok(Buffer.byteLength(text) <= STATUS_MAX_BYTES);
    const back = decodeStatus(text);
    assert.ok(!("unreadable" in back), JSON.stringify(back));
    assert.equal(back.coreHours24h, 123456.78);
  });

  it("the summary adds every listed host's figure (an older daemon's record has none)", () => {
    const hosts = [
      row(status("a", 10.25), "up"),
      row(status("b", 2.5), "gone"),
      row(status("c"), "up"),
      row(status("d", null), "up"),
    ];
    const s = summarize({ hosts, unreadable: [], oversized: 0 });
    assert.equal(s.coreHours24h, 12.75);
  });
});
