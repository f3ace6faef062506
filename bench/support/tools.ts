// The owner-side tools of the colocation benchmarks (cyclictest, nginx, wrk, makeflow),
// installed by scripts/prepare-bench.sh, and what they print, parsed.
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export { freePort } from "../../test/helpers/free-port.js";

const SCRIPT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "scripts",
  "prepare-bench.sh",
);

/** Runs scripts/prepare-bench.sh once per process (idempotent: installs only what is missing). */
let prepared = false;
export function prepareBenchTools(): void {
  if (prepared) return;
  execFileSync("bash", [SCRIPT], { stdio: ["ignore", "ignore", "inherit"] });
  prepared = true;
}

/** Runs a command to its end; its stdout, or a rejection with its stderr's tail. */
export function run(cmd: string, args: readonly string[], opts: { timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const timer = setTimeout(() => c.kill("SIGKILL"), opts.timeoutMs);
    c.once("error", reject);
    c.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${cmd} ${args.join(" ")} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`,
          ),
        );
    });
  });
}

/** cyclictest -h histogram (one column per thread) -> every wakeup latency's bucket, all threads together. */
export interface LatencyHistogram {
  /** counts[us] = samples with that latency. */
  readonly counts: number[];
  /** Samples above the histogram's range. */
  readonly overflows: number;
  readonly total: number;
  readonly maxUs: number;
}

export function parseCyclictestHistogram(text: string): LatencyHistogram {
  const counts: number[] = [];
  let overflows = 0;
  let maxUs = 0;
  for (const line of text.split("\n")) {
    const m = /^(\d+)((?:\s+\d+)+)\s*$/.exec(line);
    if (m) {
      counts[Number(m[1])] = m[2]!
        .trim()
        .split(/\s+/)
        .reduce((a, b) => a + Number(b), 0);
      continue;
    }
    const o = /^# Histogram Overflows:((?:\s+\d+)+)/.exec(line);
    if (o)
      overflows = o[1]!
        .trim()
        .split(/\s+/)
        .reduce((a, b) => a + Number(b), 0);
    const x = /^# Max Latencies:((?:\s+\d+)+)/.exec(line);
    if (x) maxUs = Math.max(...x[1]!.trim().split(/\s+/).map(Number));
  }
  for (let i = 0; i < counts.length; i++) counts[i] ??= 0;
  const total = counts.reduce((a, b) => a + b, 0) + overflows;
  return { counts, overflows, total, maxUs };
}

/** Nearest-rank quantile of the histogram in us; overflowed samples count as the max latency seen. */
export function histogramQuantile(h: LatencyHistogram, q: number): number {
  const rank = Math.max(1, Math.ceil(q * h.total));
  let seen = 0;
  for (let us = 0; us < h.counts.length; us++) {
    seen += h.counts[us]!;
    if (seen >= rank) return us;
  }
  return h.maxUs;
}

/** wrk --latency output -> the p50/p99 latency in ms and the request rate. */
export function parseWrk(text: string): { p50Ms: number; p99Ms: number; requestsPerSecond: number } {
  const ms = (label: string): number => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(text);
    if (!m) throw new Error(`wrk output has no ${label}% line: ${text.slice(0, 300)}`);
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  return { p50Ms: ms("50"), p99Ms: ms("99"), requestsPerSecond: rps ? Number(rps[1]) : NaN };
}
