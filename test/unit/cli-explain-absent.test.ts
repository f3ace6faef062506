// planctonctl explain shows a desktop variable whose source is missing as "absent" (not 0
// and not left out) and lists the missing sources the daemon said.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatExplain } from "../../src/cli/format.js";
import type { StatusSnapshot } from "../../src/daemon/report/status.js";

const snapshot = (observation: Record<string, number>, configWarnings: string[]): StatusSnapshot => ({
  pid: 1,
  version: "test",
  hostname: "h",
  instance: "i",
  startedAtMs: 0,
  nowMs: 0,
  configFile: "/c.yaml",
  configWarnings,
  mode: "active",
  docker: { available: true },
  cpuPriority: { mode: "idle", detail: "idle" },
  image: { name: "busybox", usable: true, pulling: false },
  maxDocks: 1,
  pilots: [],
  observation,
  decision: { start: 0, explain: ["no start: spawn_when is false"] },
  metrics: [],
});

describe("cli: explain and missing sources", () => {
  it("absent variables read 'absent'; present ones their value; the missing sources are listed", () => {
    const warning = "host sampling: logind missing (loginctl not found); its variables are absent";
    const text = formatExplain(snapshot({ ncpus: 2, on_battery: 0, on_battery_1m: 0 }, [warning]));
    assert.match(text, /^input_idle\s+absent/m);
    assert.match(text, /^input_sessions\s+absent/m);
    assert.match(text, /^on_battery\s+0\s+0/m);
    assert.match(text, /^ncpus\s+2/m);
    assert.match(text, /sources missing on this host:\n {2}host sampling: logind missing/);
  });
});
