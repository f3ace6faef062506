// Reads a config file from disk; a missing file means the defaults (dummy busybox pilots).
import { readFile } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import { parseConfigText, type ParsedConfig } from "./parse.js";

export interface LoadedConfig extends ParsedConfig {
  file: string;
  /** false when the file does not exist and the defaults are in force. */
  exists: boolean;
  text: string;
}

export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ...parseConfigText("", file), file, exists: false, text: "" };
    if (code === "EISDIR") throw new ConfigError(file, [{ message: "is a directory: give the path of config.yaml" }]);
    if (code === "EACCES") throw new ConfigError(file, [{ message: "permission denied: run as root, or pass --user / --confdir" }]);
    throw new ConfigError(file, [{ message: `cannot read: ${(err as Error).message}` }]);
  }
  return { ...parseConfigText(text, file), file, exists: true, text };
}
