// How long a hostile config costs to refuse or validate: 10k and 100k unknown keys
// (validation and layering are linear: 10x the keys should cost about 10x), a
// billion-laughs remote, and a remote at the 1 MiB fetch cap. Best of 3 runs each.
// Run: node --import tsx bench/config.bench.ts
import { pathToFileURL } from "node:url";
import { ConfigError } from "../src/config/errors.js";
import { parseConfigText } from "../src/config/parse.js";
import {
  assertRemoteAllowed,
  layerConfig,
  parseRemoteText,
  RemoteConfigError,
} from "../src/config/remote/index.js";
import { billionLaughs, manyKeys } from "../test/helpers/hostile-remotes.js";

export interface ConfigBenchRow {
  what: string;
  ms: number;
}

function bestMs(fn: () => void, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The remote path of the daemon: parse, limits, layering over an empty local file. */
function acceptRemote(text: string): void {
  try {
    const raw = parseRemoteText(text, "remote");
    assertRemoteAllowed(raw, {}, "remote", text);
    layerConfig({ remote: raw, local: {}, remoteText: text, remoteName: "remote" }, "config.yaml");
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof RemoteConfigError)) throw err;
  }
}

export function benchConfig(): ConfigBenchRow[] {
  const rows: ConfigBenchRow[] = [];
  for (const n of [10_000, 100_000]) {
    const text = manyKeys(n);
    rows.push({
      what: `local file, ${n / 1000}k unknown keys: parse + validate`,
      ms: bestMs(() => parseConfigText(text, "config.yaml")),
    });
    rows.push({
      what: `remote, ${n / 1000}k unknown keys: parse + refuse (key cap)`,
      ms: bestMs(() => acceptRemote(text)),
    });
  }
  rows.push({
    what: "remote, billion laughs (~400 bytes): refuse",
    ms: bestMs(() => acceptRemote(billionLaughs("capabilities"))),
  });
  const capped = manyKeys(42_000); // about 1 MiB, the fetch cap
  rows.push({
    what: `remote at the fetch cap (${(capped.length / 1024).toFixed(0)} KiB): parse + refuse`,
    ms: bestMs(() => acceptRemote(capped)),
  });
  return rows;
}

function main(): void {
  console.log(`config: best of 3, node ${process.version}`);
  for (const r of benchConfig()) console.log(`${r.ms.toFixed(0).padStart(7)} ms  ${r.what}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
