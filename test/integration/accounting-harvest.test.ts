// Every harvested core-hour counted, on the real engine: two pilots busy at 0.1 CPU each
// (cpus_per_dock), ending by TTL and replaced (the owner's load is held at 0 so the busy
// test machine never blocks the replacements; the pilots' cgroups are read for real).
// The test reads each pilot's cgroup counter itself (found through /proc/<pid>/cgroup,
// not through the daemon's finder) and checks: the history's and `planctonctl report`'s
// CPU seconds agree with it within 1 %; a real Prometheus scraping the endpoint sees
// sum(rate(plancton_pilots_cpu_seconds_total[30s])) at the busy pilots' cores; the
// counters agree with the history and the cgroups.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { AccountedRecord } from "../../src/daemon/report/accounting-record.js";
import { planctonctl } from "../helpers/cli.js";
import { containersOf, docker, requireDocker } from "../helpers/docker.js";
import { startDaemon, type Harness } from "../helpers/daemon-harness.js";
import { requirePrometheus, startPrometheus, type PrometheusHandle } from "../helpers/prometheus-server.js";
import { IdleOwnerSampling } from "../helpers/idle-owner-sampling.js";
import { waitFor } from "../helpers/wait.js";

const CPUS_PER_DOCK = 0.1;
const PILOTS = 2;
const BUSY_S = 38; // each pilot burns its quota this long, then sleeps until its TTL
const TTL_S = 45;
/** The rate is asked this long in the past: the scrapes up to then are all in (a busy host is slow). */
const SETTLE_MS = 4000;
/** Rate against the pilots' cores: a ratio, not a time bound. */
const RATE_TOLERANCE = 0.15;

/** The counter file of a running container's cgroup, from its init's /proc/<pid>/cgroup. */
function counterOfPid(pid: number): { file: string; unit: "ns" | "usec" } | undefined {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = lines.map((l) => l.split(":")).find((f) => f[1]?.split(",").includes("cpuacct"));
  if (v1) {
    const mount = ["/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct"].find((m) => {
      try {
        readFileSync(`${m}${v1[2]}/cpuacct.usage`);
        return true;
      } catch {
        return false;
      }
    });
    return mount ? { file: `${mount}${v1[2]}/cpuacct.usage`, unit: "ns" } : undefined;
  }
  const v2 = lines.find((l) => l.startsWith("0::"));
  return v2 ? { file: `/sys/fs/cgroup${v2.slice(3)}/cpu.stat`, unit: "usec" } : undefined;
}

function readSeconds(c: { file: string; unit: "ns" | "usec" }): number | undefined {
  try {
    const text = readFileSync(c.file, "utf8");
    if (c.unit === "ns") return Number(text.trim()) / 1e9;
    return Number(/usage_usec (\d+)/.exec(text)?.[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/** The test's own reading of every pilot's counter, every 100 ms: the last value each had. */
class IndependentReader {
  readonly seconds = new Map<string, number>();
  readonly timeline: { atMs: number; total: number }[] = [];
  private readonly counters = new Map<string, { file: string; unit: "ns" | "usec" }>();
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly instance: string) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        for (const c of await containersOf(this.instance)) {
          if (!this.counters.has(c.Id) && c.State === "running") {
            const pid = (await docker.getContainer(c.Id).inspect()).State.Pid;
            const counter = pid > 0 ? counterOfPid(pid) : undefined;
            if (counter) this.counters.set(c.Id, counter);
          }
        }
        for (const [id, counter] of this.counters) {
          const s = readSeconds(counter);
          if (s !== undefined) this.seconds.set(id, Math.max(s, this.seconds.get(id) ?? 0));
        }
        this.timeline.push({ atMs: Date.now(), total: this.total() });
        await new Promise((r) => setTimeout(r, 100)); // the polling period, not a wait for an outcome
      }
    })();
  }

  total(ids: Iterable<string> = this.seconds.keys()): number {
    let sum = 0;
    for (const id of ids) sum += this.seconds.get(id) ?? 0;
    return sum;
  }

  /** The total as read at the poll nearest atMs. */
  totalAt(atMs: number): number {
    let best = this.timeline[0]!;
    for (const p of this.timeline) if (Math.abs(p.atMs - atMs) < Math.abs(best.atMs - atMs)) best = p;
    return best.total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

async function scrapeTotal(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split("\n"))
    if (line.startsWith("plancton_pilots_cpu_seconds_total{")) sum += Number(line.split(" ").pop());
  return sum;
}

const within = (actual: number, expected: number, ratio: number) =>
  Math.abs(actual - expected) <= expected * ratio;

before(requireDocker);
before(requirePrometheus);

describe("accounting on the real engine", () => {
  let h: Harness | undefined;
  let prom: PrometheusHandle | undefined;
  let reader: IndependentReader | undefined;
  after(async () => {
    await reader?.stop();
    await prom?.stop();
    await h?.cleanup();
  });

  test("history, report, counters and Prometheus agree with the pilots' cgroups", async (t) => {
    const cmd = `timeout ${BUSY_S} yes > /dev/null; sleep 600`;
    h = await startDaemon(
      "accounting",
      [
        `max_docks: ${PILOTS}`,
        `cpus_per_dock: ${CPUS_PER_DOCK}`,
        `docker_cmd: ["sh", "-c", "${cmd}"]`,
        `max_ttl: ${TTL_S}`,
        "stop_grace: 0",
        "main_sleep: 1",
        "sample_interval: 1",
        "grace_spawn: 0",
        "overhead_margin: 100",
        "mem_pressure_psi: null",
        'metrics_listen: "127.0.0.1:0"',
        "",
      ].join("\n"),
      { sampling: new IdleOwnerSampling() },
    );
    const metricsUrl = await waitFor(
      "the metrics endpoint",
      () => h!.daemon.snapshot().prometheus?.url,
      30_000,
    );
    prom = await startPrometheus([new URL(metricsUrl).host]);
    reader = new IndependentReader(h.instance);
    reader.start();

    // Generation 1 busy: the rate over a window inside its busy time is the pilots' cores.
    const gen1 = await waitFor(
      "two pilots running",
      async () => {
        const c = (await containersOf(h!.instance)).filter((x) => x.State === "running");
        return c.length === PILOTS ? c.map((x) => x.Id) : undefined;
      },
      120_000,
      200,
    );
    const t0 = Date.now();
    await waitFor("37 s of busy pilots", () => Date.now() - t0 >= (BUSY_S - 1) * 1000, 60_000, 500);
    const atMs = Date.now() - SETTLE_MS; // the window [t0 + 3 s, t0 + 33 s]: every pilot busy
    const [rate] = await prom.query("sum(rate(plancton_pilots_cpu_seconds_total[30s]))", atMs / 1000);
    assert.ok(rate, "Prometheus has the counter");
    const cores = PILOTS * CPUS_PER_DOCK;
    const measured = (reader.totalAt(atMs) - reader.totalAt(atMs - 30_000)) / 30;
    t.diagnostic(`rate ${rate.value.toFixed(4)} cores; cgroups ${measured.toFixed(4)}; cpus ${cores}`);
    assert.ok(within(rate.value, cores, RATE_TOLERANCE), `rate ${rate.value} vs ${cores} busy cores`);
    assert.ok(
      within(rate.value, measured, RATE_TOLERANCE),
      `rate ${rate.value} vs ${measured} cores read from the cgroups`,
    );

    // Generation 1 ends by TTL and is replaced; generation 2 burns its quota and goes idle.
    const ended = await waitFor(
      "generation 1 in the history",
      async () => {
        const recs = (await h!.daemon.historyLog().read()) as AccountedRecord[];
        return recs.length >= PILOTS ? recs : undefined;
      },
      120_000,
      500,
    );
    const gen2 = await waitFor(
      "two new pilots",
      async () => {
        const c = (await containersOf(h!.instance)).filter(
          (x) => x.State === "running" && !gen1.includes(x.Id),
        );
        return c.length === PILOTS ? c.map((x) => x.Id) : undefined;
      },
      120_000,
      200,
    );
    assert.deepEqual(
      ended.map((r) => [r.reason, r.cpuRead, r.givenBack]),
      gen1.map(() => ["ttl", "final", false]),
    );
    for (const r of ended) {
      const own = reader.seconds.get(r.id);
      assert.ok(own !== undefined && own > 0, `the test read ${r.name}'s cgroup`);
      assert.ok(within(r.cpuSeconds!, own, 0.01), `${r.name}: history ${r.cpuSeconds} s, cgroup ${own} s`);
      assert.ok(r.wallSeconds! >= BUSY_S && r.image.length > 0, JSON.stringify(r));
    }
    const own1 = reader.total(gen1);
    t.diagnostic(
      `history ${ended.map((r) => r.cpuSeconds).join(", ")} s; ` +
        `cgroups ${gen1.map((id) => reader!.seconds.get(id)).join(", ")} s`,
    );
    const out = await planctonctl([
      "--logdir",
      h.logdir,
      "--config",
      h.configFile,
      "report",
      "--since",
      "1h",
      "--json",
    ]);
    assert.equal(out.code, 0, out.stderr);
    const report = JSON.parse(out.stdout) as { total: { cpu_hours: number; number_of_pilots: number } };
    assert.equal(report.total.number_of_pilots, PILOTS);
    assert.ok(
      within(report.total.cpu_hours * 3600, own1, 0.01),
      `report ${report.total.cpu_hours * 3600} s, cgroups ${own1} s`,
    );

    // Generation 2 idle: every counter is still, so counters, history and cgroups add up.
    await waitFor("generation 2 idle", () => Date.now() - t0 >= (TTL_S + BUSY_S + 3) * 1000, 90_000, 500);
    let previous = -1;
    const counter = await waitFor(
      "the counter settled (read on every sample)",
      async () => {
        const now = await scrapeTotal(metricsUrl);
        const settled = now === previous ? now : undefined;
        previous = now;
        return settled;
      },
      30_000,
      1500,
    );
    const own12 = reader.total([...gen1, ...gen2]);
    const history = ended.reduce((s, r) => s + r.cpuSeconds!, 0);
    t.diagnostic(`counter ${counter} s; cgroups ${own12} s; history ${history} s`);
    assert.ok(within(counter, own12, 0.01), `counter ${counter} s, cgroups ${own12} s`);
    assert.ok(within(counter - history, reader.total(gen2), 0.01), "counter = history + running pilots");
    const [scraped] = await prom.query("sum(plancton_pilots_cpu_seconds_total)");
    assert.ok(
      scraped && within(scraped.value, counter, 0.01),
      `Prometheus ${scraped?.value}, /metrics ${counter}`,
    );
  });
});
