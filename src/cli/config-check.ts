// `planctonctl config check [FILE]`: validates a config file and prints the effective
// configuration, defaults applied and max_docks evaluated on this host.
import { readFile } from "node:fs/promises";
import { procReaders } from "../host/proc-readers.js";
import os from "node:os";
import path from "node:path";
import { assertRemoteAllowed, layerConfig, parseCacheFile, parseRemoteText } from "../config/remote/index.js";
import { capacityWarnings } from "../daemon/report/capacity-warnings.js";
import { localOnly, type EffectiveConfig } from "../daemon/owners/config-store.js";
import { loadConfigFile, type LoadedConfig } from "../config/load.js";
import { evaluateMaxDocks } from "../config/max-docks.js";
import { ConfigError, formatProblem } from "../config/errors.js";

/** `mustExist`: the admin named the file, so a missing one is an error (exit 2). */
export async function checkConfig(file: string, json: boolean, mustExist = false): Promise<number> {
  try {
    const local = await loadConfigFile(file, { mustExist });
    const { loaded, note } = await withCachedRemote(local);
    const host = { ncpus: os.cpus().length, ramBytes: os.totalmem(), swapBytes: await swapBytes() };
    const maxDocks = evaluateMaxDocks(loaded.config, host);
    const capacity = capacityWarnings(loaded.config, host, maxDocks.value);
    const sources: Record<string, string> = loaded.sources;
    if (json) {
      process.stdout.write(
        JSON.stringify({
          valid: true,
          file,
          exists: loaded.exists,
          warnings: [...loaded.warnings.map((w) => formatProblem(file, w)), ...capacity],
          maxDocks: maxDocks.value,
          sources,
          config: loaded.config,
        }) + "\n",
      );
      return 0;
    }
    for (const w of loaded.warnings) process.stderr.write(`warning: ${formatProblem(file, w)}\n`);
    if (maxDocks.error) process.stderr.write(`warning: ${maxDocks.error}\n`);
    for (const w of capacity) process.stderr.write(`warning: ${w}\n`);
    if (note) process.stderr.write(`note: ${note}\n`);
    process.stdout.write(`${file}: ${loaded.exists ? "valid" : "absent: the defaults apply"}\n\n`);
    const width = Math.max(...Object.keys(loaded.config).map((k) => k.length));
    for (const [key, value] of Object.entries(loaded.config)) {
      const shown =
        key === "max_docks"
          ? `${JSON.stringify(value)} = ${maxDocks.value} on this host`
          : JSON.stringify(value);
      process.stdout.write(
        `${key.padEnd(width)}  ${shown}${sources[key] === "local" ? "" : `  (${sources[key]})`}\n`,
      );
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (json)
      process.stdout.write(
        JSON.stringify({
          valid: false,
          file,
          errors: err.problems.map(({ key, line, column, message }) => ({
            key,
            line,
            column,
            message,
            text: formatProblem(file, { key, line, column, message }),
          })),
        }) + "\n",
      );
    else process.stderr.write(`${err.message}\n`);
    return 2;
  }
}

/** Layers the cached copy of config_url (what the daemon last accepted) under the file. */
async function withCachedRemote(local: LoadedConfig): Promise<{ loaded: EffectiveConfig; note?: string }> {
  const onlyLocal = localOnly(local);
  const url = local.config.config_url;
  if (!url) return { loaded: onlyLocal };
  const cacheFile = path.join(path.dirname(local.file), ".remote-config.yaml");
  const cached = parseCacheFile(await readFile(cacheFile, "utf8").catch(() => ""));
  if (!cached || cached.meta.url !== url)
    return {
      loaded: onlyLocal,
      note: `no cached copy of ${url} yet: showing the local file and the defaults only`,
    };
  try {
    const raw = parseRemoteText(cached.text, cacheFile);
    assertRemoteAllowed(raw, local.raw, url, cached.text);
    const layered = layerConfig(
      { remote: raw, local: local.raw, remoteName: url, remoteText: cached.text, localText: local.text },
      local.file,
    );
    return {
      loaded: { ...local, ...layered },
      note: `remote values from the copy of ${url} cached ${new Date(cached.meta.fetchedAtMs).toISOString()}`,
    };
  } catch (err) {
    return {
      loaded: onlyLocal,
      note:
        `the cached copy of ${url} is not usable (${(err as Error).message.split("\n")[0]}): showing ` +
        `the local file only`,
    };
  }
}

async function swapBytes(): Promise<number> {
  return (
    (
      await procReaders()
        .memInfo()
        .catch(() => undefined)
    )?.swapTotalBytes ?? 0
  );
}
