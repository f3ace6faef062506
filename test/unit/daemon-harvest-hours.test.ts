// The idle CPU the host had, by the hour, for the report's harvest ratio: samples add
// (1 - cpu_owner) x ncpus x the time between them; a gap adds nothing; an hour's line is
// written when the next hour starts (and on flush); report reads it back.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { HarvestHours } from "../../src/daemon/report/harvest-hours.js";
import { readHarvestHours } from "../../src/cli/report-records.js";
import { ReportAggregator } from "../../src/cli/report-aggregate.js";

const dir = mkdtempSync(join(tmpdir(), "plancton-harvest-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const H = 3_600_000;
const sample = (atMs: number, owner: number) => ({ atMs, values: { cpu_owner: owner, ncpus: 4 } });

describe("HarvestHours", () => {
  it("adds the idle cores of each interval, skips gaps, writes finished hours", async () => {
    const h = new HarvestHours(dir);
    h.add(sample(10 * H, 0.25)); // the first sample: no interval yet
    h.add(sample(10 * H + 10_000, 0.25)); // 10 s x 3 idle cores = 30
    h.add(sample(10 * H + 20_000, 0.5)); // 10 s x 2 = 20
    h.add(sample(10 * H + 20_000 + 120_000, 0)); // a 2 min gap: nothing
    h.add(sample(11 * H + 1000, 0)); // a new hour: hour 10 is written; the gap counts nothing
    h.add(sample(11 * H + 2000, 1)); // 1 s x 0 idle
    h.add(sample(11 * H + 3000, 0)); // 1 s x 4 = 4
    await h.flush();
    const lines = readFileSync(join(dir, "harvest.jsonl"), "utf8").trim().split("\n");
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as unknown),
      [
        { hourMs: 10 * H, idleCoreSeconds: 50 },
        { hourMs: 11 * H, idleCoreSeconds: 4 },
      ],
    );
  });

  it("report: the ratio is the pilots' CPU over the idle CPU of the period", async () => {
    const agg = new ReportAggregator("day");
    const stats = await readHarvestHours(dir, 0, Infinity, (hourMs, idle) => agg.addIdle(hourMs, idle));
    assert.equal(stats.skipped, 0);
    agg.add({
      id: "a",
      name: "a",
      image: "img",
      startedAtMs: 10 * H,
      endedAtMs: 11 * H,
      uptimeSeconds: 3600,
      exitCode: 0,
      reason: "ttl",
      cpuSeconds: 27,
    });
    const { periods, total } = agg.result();
    assert.equal(periods[0]?.idleCoreSeconds, 54);
    assert.equal(total.harvestRatio, 0.5);
  });
});
