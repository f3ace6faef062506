// `planctonctl config check [FILE]`: validates a config file and prints the effective
// configuration, defaults applied and max_docks evaluated on this host.
import { readFileSync } from "node:fs";
import os from "node:os";
import { loadConfigFile } from "../config/load.js";
import { evaluateMaxDocks } from "../config/max-docks.js";
import { ConfigError, formatProblem } from "../config/errors.js";

export async function checkConfig(file: string, json: boolean): Promise<number> {
  try {
    const loaded = await loadConfigFile(file);
    const maxDocks = evaluateMaxDocks(loaded.config, { ncpus: os.cpus().length, ramBytes: os.totalmem(), swapBytes: swapBytes() });
    const sources = Object.fromEntries(Object.keys(loaded.config).map((k) => [k, k in loaded.raw ? "local" : "default"]));
    if (json) {
      process.stdout.write(`${JSON.stringify({ valid: true, file, exists: loaded.exists, warnings: loaded.warnings.map((w) => formatProblem(file, w)), maxDocks: maxDocks.value, sources, config: loaded.config })}\n`);
      return 0;
    }
    for (const w of loaded.warnings) process.stderr.write(`warning: ${formatProblem(file, w)}\n`);
    if (maxDocks.error) process.stderr.write(`warning: ${maxDocks.error}\n`);
    process.stdout.write(`${file}: ${loaded.exists ? "valid" : "absent: the defaults apply"}\n\n`);
    const width = Math.max(...Object.keys(loaded.config).map((k) => k.length));
    for (const [key, value] of Object.entries(loaded.config)) {
      const shown = key === "max_docks" ? `${JSON.stringify(value)} = ${maxDocks.value} on this host` : JSON.stringify(value);
      process.stdout.write(`${key.padEnd(width)}  ${shown}${sources[key] === "default" ? "  (default)" : ""}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ valid: false, file, errors: err.problems.map((p) => ({ ...p, text: formatProblem(file, p) })) })}\n`);
    else process.stderr.write(`${err.message}\n`);
    return 2;
  }
}

function swapBytes(): number {
  try {
    const m = /SwapTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
