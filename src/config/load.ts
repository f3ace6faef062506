// Reads a config file from disk; a missing file means the defaults (dummy busybox pilots),
// unless the admin named it (--config, config check FILE): then it is an error.
import { readFile } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import { parseConfigText, type ParsedConfig } from "./parse.js";

export interface LoadedConfig extends ParsedConfig {
  file: string;
  /** false when the file does not exist and the defaults are in force. */
  exists: boolean;
  text: string;
}

export async function loadConfigFile(
  file: string,
  opts: { mustExist?: boolean } = {},
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && opts.mustExist) throw missingConfigError(file);
    if (code === "ENOENT") return { ...parseConfigText("", file), file, exists: false, text: "" };
    if (code === "EISDIR")
      throw new ConfigError(file, [{ message: "is a directory: give the path of config.yaml" }]);
    if (code === "EACCES")
      throw new ConfigError(file, [
        { message: "permission denied: run as root, or pass --user / --confdir" },
      ]);
    throw new ConfigError(file, [{ message: `cannot read: ${(err as Error).message}` }]);
  }
  return { ...parseConfigText(text, file), file, exists: true, text };
}

/** An explicit config path (--config, config check FILE) that does not exist. */
export function missingConfigError(file: string): ConfigError {
  return new ConfigError(file, [
    {
      message:
        "no such file: give the path of an existing config file, or leave the path out to use " +
        "<confdir>/config.yaml (the defaults when it is absent)",
    },
  ]);
}
