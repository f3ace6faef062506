// Benchmark "report" (issue 23): `planctonctl report --since 365d` over a year of history
// at one pilot a minute (525,600 records in 5 MB rotations, as the daemon writes them),
// beside a reference in the same run: plain JSON.parse of the same lines (each file read
// whole, split, parsed; nothing added up). Each runs in its own process (the built CLI:
// npm run build first), timed from spawn to exit, peak RSS from /usr/bin/time. Targets
// (the issue): under 2 s and 100 MB. The load average is printed beside the figures.
// Run: npm run build && node --import tsx bench/report.ts
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const RECORDS = Number(process.env.PLANCTON_BENCH_REPORT_RECORDS ?? 525_600);
const FILE_BYTES = 5 * 1024 * 1024;
const ROUNDS = Number(process.env.PLANCTON_BENCH_REPORT_ROUNDS ?? 3);
const ROOT = path.resolve(import.meta.dirname, "..");
const REASONS = ["ttl", "ttl", "ttl", "exited", "overhead", "mem_pressure"];

/** A year of records ending now, one a minute, written as history.jsonl and its rotations. */
function writeYear(dir: string, nowMs: number): number {
  const files: string[][] = [[]];
  let bytes = 0;
  let total = 0;
  for (let i = RECORDS - 1; i >= 0; i--) {
    const endedAtMs = nowMs - i * 60_000;
    const reason = REASONS[i % REASONS.length]!;
    const line = JSON.stringify({
      id: i.toString(16).padStart(64, "0"),
      name: `plancton-worker-${i.toString(36)}`,
      image: i % 7 === 0 ? "cern/alice-pilot:2" : "cern/cms-pilot:5",
      startedAtMs: endedAtMs - 3_600_000,
      endedAtMs,
      uptimeSeconds: 3600,
      exitCode: 137,
      reason,
      signal: "KILL",
      graceful: false,
      cpuSeconds: 3000 + (i % 500),
      wallSeconds: 3600,
      cpuRead: "final",
      memoryPeakBytes: 1_500_000_000,
      givenBack: reason === "overhead" || reason === "mem_pressure",
    });
    if (bytes + line.length > FILE_BYTES) {
      files.push([]);
      bytes = 0;
    }
    files.at(-1)!.push(line);
    bytes += line.length + 1;
    total += line.length + 1;
  }
  // Oldest in the highest number, as rotation leaves them.
  files.forEach((lines, k) => {
    const n = files.length - 1 - k;
    writeFileSync(path.join(dir, n === 0 ? "history.jsonl" : `history.jsonl.${n}`), lines.join("\n") + "\n");
  });
  return total;
}

const REFERENCE = `
const fs = require("node:fs"), path = require("node:path");
const dir = process.argv[1]; let n = 0;
for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("history.jsonl"))) {
  for (const l of fs.readFileSync(path.join(dir, f), "utf8").split("\\n")) if (l) { JSON.parse(l); n++; }
}
process.stdout.write(String(n));`;

async function timed(args: string[]): Promise<{ seconds: number; peakMb: number; out: string }> {
  const t0 = performance.now();
  const { stdout, stderr } = await run("/usr/bin/time", ["-f", "%M", process.execPath, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    cwd: ROOT,
  });
  const seconds = (performance.now() - t0) / 1000;
  const kb = Number(stderr.trim().split("\n").at(-1));
  return { seconds, peakMb: kb / 1024, out: stdout };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "plancton-bench-report-"));
  try {
    const bytes = writeYear(dir, Date.now());
    const none = path.join(dir, "none.yaml");
    writeFileSync(none, "benchmark_per_core: 15.2\n");
    console.log(`${RECORDS} records, ${(bytes / 2 ** 20).toFixed(0)} MiB of history`);
    const rows: string[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const report = await timed([
        "bin/planctonctl",
        "--logdir",
        dir,
        "--config",
        none,
        "report",
        "--since",
        "365d",
        "--by",
        "week",
      ]);
      const reference = await timed(["-e", REFERENCE, dir]);
      const load = os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");
      rows.push(
        `round ${r + 1}: report ${report.seconds.toFixed(2)} s, ${report.peakMb.toFixed(0)} MB peak RSS; ` +
          `JSON.parse reference ${reference.seconds.toFixed(2)} s, ${reference.peakMb.toFixed(0)} MB; ` +
          `ratio ${(report.seconds / reference.seconds).toFixed(2)}; ` +
          `load average ${load} (${os.availableParallelism()} CPUs)`,
      );
      console.log(rows.at(-1));
      if (r === 0) console.log(report.out.split("\n").slice(-4).join("\n"));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
