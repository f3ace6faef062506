// Checks a schema-valid config for what types cannot say: a string docker_cmd splits,
// config_url is https, and what compile.ts compiles (expressions, schedule, influxdb_url) compiles.
import { splitCommand } from "./command-line.js";
import { compileConfig } from "./compile.js";
import { preview, type ConfigProblem } from "./errors.js";
import type { Config } from "./schema.js";

export function checkSemantics(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (typeof config.docker_cmd === "string") {
    const cmd = splitCommand(config.docker_cmd);
    if (cmd.error)
      problems.push({ key: "docker_cmd", message: `${preview(config.docker_cmd)}: ${cmd.error}` });
  }
  problems.push(...compileConfig(config).problems);
  if (config.config_url?.startsWith("http:") && !config.allow_insecure_http) {
    problems.push({
      key: "config_url",
      message: "plain http is refused: use https, or set allow_insecure_http: true",
    });
  }
  return problems;
}
