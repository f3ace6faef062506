// Benchmark "reload" (issue 8): the config file saved -> the new value in effect in the
// running daemon (its status snapshot, what `planctonctl status` serves), median of SAVES
// saves: half plain writes, half write-to-temp-and-rename (as editors save).
// Target: <= 1 s. Reference: the original re-read its config every updateconfig = 60 s.
// Run: node --import tsx bench/reload.ts
import { rename, writeFile } from "node:fs/promises";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { FixedObserver } from "../test/helpers/fixed-observer.js";
import { configText, startBenchDaemon } from "./support/bench-daemon.js";
import { requireDocker } from "./support/docker.js";
import type { Figure } from "./support/figures.js";
import { benchMain, isMain, type BenchContext, type BenchOutput } from "./support/runner.js";
import { max, median, round } from "./support/stats.js";
import { poll, sleep } from "./support/wait.js";

const SAVES = 10;
const TARGET_MS = 1000;

export async function benchReload(ctx: BenchContext): Promise<BenchOutput> {
  await requireDocker();
  const instance = `pb-reload-${ctx.runId}`;
  // The owner takes every CPU (fixed observation): nothing starts whatever max_docks says.
  const observer = new FixedObserver({ ncpus: os.cpus().length, cpu_owner: 1, cpu_total: 1 });
  const base = { main_sleep: 3600, docker_cmd: "sleep 600", max_dock_mem: "16MiB" };
  const d = await startBenchDaemon(instance, { ...base, max_docks: 10 }, { observer });
  ctx.onCleanup(() => d.close());
  const plain: number[] = [];
  const renamed: number[] = [];
  for (let i = 0; i < SAVES; i++) {
    await sleep(300);
    const value = 11 + i;
    const text = configText(instance, { ...base, max_docks: value });
    const atomic = i % 2 === 1;
    const t0 = performance.now();
    if (atomic) {
      await writeFile(`${d.configFile}.tmp`, text);
      await rename(`${d.configFile}.tmp`, d.configFile);
    } else {
      await writeFile(d.configFile, text);
    }
    await poll(`max_docks ${value} in effect`, () => d.daemon.snapshot().maxDocks === value, 10_000, 2);
    (atomic ? renamed : plain).push(performance.now() - t0);
  }
  await d.close();
  const all = [...plain, ...renamed];
  const figures: Figure[] = [
    {
      id: "reload.ms",
      figure: "reload: config file saved -> new value in effect",
      value: median(all),
      unit: "ms",
      display: `${median(all).toFixed(0)} ms (max ${max(all).toFixed(0)} ms)`,
      target: `<= ${TARGET_MS} ms`,
      reference: "original: re-read every updateconfig = 60 s (quoted)",
      ratio: median(all) / 60_000,
      pass: max(all) <= TARGET_MS,
      note: `median of ${SAVES} saves of max_docks, polled in the daemon's status snapshot; plain write ${median(plain).toFixed(0)} ms, write+rename ${median(renamed).toFixed(0)} ms (the watcher debounces 100 ms)`,
    },
  ];
  return {
    figures,
    details: { plainMs: plain.map((x) => round(x, 1)), renameMs: renamed.map((x) => round(x, 1)) },
  };
}

if (isMain(import.meta.url)) await benchMain("reload", benchReload);
