// planctonctl report's logic on recorded records: the aggregation by day, week and image,
// lost work and give-backs, the streamed reader (torn, hostile and over-long lines
// skipped and counted, rotations oldest first, links not followed), the chart and CSV.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ReportAggregator, median, periodOf } from "../../src/cli/report-aggregate.js";
import { bar, csvField, csvLines } from "../../src/cli/report-format.js";
import { MAX_LINE_BYTES, parseRecord, readRecords } from "../../src/cli/report-records.js";
import { parseWhen } from "../../src/cli/report-command.js";
import type { AccountedRecord } from "../../src/daemon/report/accounting-record.js";

const dir = mkdtempSync(join(tmpdir(), "plancton-report-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 11, 1); // a Monday
let n = 0;
function rec(over: Partial<AccountedRecord> = {}): AccountedRecord {
  const endedAtMs = over.endedAtMs ?? T0 + 3_600_000;
  return {
    id: `id${n}`,
    name: `p${n++}`,
    image: "img-a",
    startedAtMs: endedAtMs - 3_600_000,
    endedAtMs,
    uptimeSeconds: 3600,
    exitCode: 137,
    reason: "ttl",
    cpuSeconds: 1800,
    wallSeconds: 3600,
    givenBack: false,
    ...over,
  };
}

describe("report aggregation", () => {
  it("periods: UTC days and the Monday of a week", () => {
    assert.equal(periodOf(T0 + 5 * 3_600_000, "day"), "2025-12-01");
    assert.equal(periodOf(T0 + 6 * DAY, "week"), "2025-12-01"); // Sunday
    assert.equal(periodOf(T0 + 7 * DAY, "week"), "2025-12-08");
    assert.equal(periodOf(T0 - 1, "week"), "2025-11-24");
  });

  it("adds CPU, wall and lost work by cause; counts give-back kills and pauses; normalises", () => {
    const agg = new ReportAggregator("day", 10);
    agg.add(rec());
    agg.add(rec({ reason: "overhead", givenBack: true, cpuSeconds: 600, wallSeconds: 1200, pauses: 2 }));
    agg.add(rec({ endedAtMs: T0 + DAY + 10, reason: "schedule", cpuSeconds: 300 }));
    const { periods, total } = agg.result();
    assert.deepEqual(
      periods.map((p) => [p.period, p.pilots, p.cpuSeconds, p.lostCpuSeconds]),
      [
        ["2025-12-01", 2, 2400, 600],
        ["2025-12-02", 1, 300, 300],
      ],
    );
    assert.equal(total.cpuSeconds, 2700);
    assert.equal(total.normalisedCpuSeconds, 27000);
    assert.deepEqual(total.lostByCause, { overhead: 600, schedule: 300 });
    assert.equal(total.giveBackKills, 1);
    assert.equal(total.pauses, 2);
    assert.equal(total.medianLifeSeconds, 3600);
  });

  it("by image, most CPU first; running pilots count so far", () => {
    const agg = new ReportAggregator("image");
    agg.add(rec({ image: "small", cpuSeconds: 10 }));
    agg.add(rec({ image: "big", cpuSeconds: 100 }));
    agg.addLive({ id: "l", name: "l", image: "small", startedAtMs: T0, cpuSeconds: 5 }, T0 + 60_000);
    const { periods, total } = agg.result();
    assert.deepEqual(
      periods.map((p) => [p.period, p.pilots, p.running, p.cpuSeconds]),
      [
        ["big", 1, 0, 100],
        ["small", 2, 1, 15],
      ],
    );
    assert.equal(total.running, 1);
  });

  it("median of an even count is the mean of the middle two; none is null", () => {
    const counts = (v: number[]) => new Map(v.map((x) => [x, v.filter((y) => y === x).length]));
    assert.equal(median(counts([4, 1, 3, 2])), 2.5);
    assert.equal(median(counts([5, 1, 1])), 1);
    assert.equal(median(new Map()), null);
  });
});

describe("report records reader", () => {
  it("skips and counts torn, hostile and over-long lines; reads rotations oldest first", async () => {
    const d = mkdtempSync(join(dir, "h-"));
    const a = rec({ name: "old" });
    const b = rec({ name: "new" });
    writeFileSync(join(d, "history.jsonl.2"), `${JSON.stringify(a)}\n{"torn":\n`);
    writeFileSync(
      join(d, "history.jsonl"),
      [
        JSON.stringify(b),
        JSON.stringify({ ...b, endedAtMs: "soon" }),
        JSON.stringify({ ...b, cpuSeconds: -5 }),
        JSON.stringify({ ...b, endedAtMs: b.startedAtMs - 1 }),
        "[1,2,3]",
        `{"id":"${"x".repeat(MAX_LINE_BYTES + 10)}"}`,
        "null",
      ].join("\n") +
        "\n" +
        JSON.stringify({ ...b, name: "torn-tail" }).slice(0, 30),
    );
    const seen: string[] = [];
    const stats = await readRecords(d, 0, Infinity, (r) => seen.push(r.name));
    assert.deepEqual(seen, ["old", "new"]);
    assert.equal(stats.skipped, 8);
    assert.equal(stats.files, 2);
  });

  it("keeps the period [since, until) and leaves out files last written before it", async () => {
    const d = mkdtempSync(join(dir, "p-"));
    writeFileSync(join(d, "history.jsonl.1"), `${JSON.stringify(rec({ name: "ancient" }))}\n`);
    utimesSync(join(d, "history.jsonl.1"), new Date(T0 - DAY), new Date(T0 - DAY));
    writeFileSync(
      join(d, "history.jsonl"),
      [rec({ name: "in", endedAtMs: T0 + 10 }), rec({ name: "after", endedAtMs: T0 + DAY })]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    const seen: string[] = [];
    const stats = await readRecords(d, T0, T0 + DAY, (r) => seen.push(r.name));
    assert.deepEqual(seen, ["in"]);
    assert.equal(stats.files, 1);
  });

  it("does not follow a link planted among the history files", async () => {
    const d = mkdtempSync(join(dir, "l-"));
    const target = join(dir, "elsewhere.jsonl");
    writeFileSync(target, `${JSON.stringify(rec({ name: "planted" }))}\n`);
    symlinkSync(target, join(d, "history.jsonl"));
    const seen: string[] = [];
    await readRecords(d, 0, Infinity, (r) => seen.push(r.name));
    assert.deepEqual(seen, []);
  });

  it("parseRecord takes a record without the accounting fields (an older daemon's)", () => {
    const { cpuSeconds: _c, wallSeconds: _w, givenBack: _g, ...old } = rec();
    assert.ok(parseRecord(JSON.stringify(old)));
  });
});

describe("report outputs", () => {
  it("a bar is proportional, in eighths of a cell", () => {
    assert.equal(bar(1, 1, 4), "████");
    assert.equal(bar(1, 2, 4), "██");
    assert.equal(bar(1, 16, 4), "▎");
    assert.equal(bar(0, 1, 4), "");
  });

  it("CSV quotes what needs it and defuses formulas", () => {
    assert.equal(csvField('a,"b"'), '"a,""b"""');
    assert.equal(csvField("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    assert.equal(csvField(-3), "-3");
    assert.deepEqual(csvLines([{ a: 1, b: "x" }]), ["a,b", "1,x"]);
  });

  it("--since and --until: a duration before now or an ISO date", () => {
    assert.equal(parseWhen("1d", T0), T0 - DAY);
    assert.equal(parseWhen("2025-12-01", 0), T0);
    assert.equal(parseWhen("yesterday", T0), undefined);
  });
});
