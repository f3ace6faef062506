// Checks a schema-valid config for what types cannot say: a string docker_cmd splits,
// config_url is https, what compile.ts compiles (expressions, schedule, influxdb_url) compiles,
// and no bind hands pilots the engine's socket or / without allow_engine_socket.
import { splitCommand } from "./command-line.js";
import { compileConfig } from "./compile.js";
import { engineSocketProblems } from "./engine-socket.js";
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
  problems.push(...engineSocketProblems(config.binds, config.allow_engine_socket));
  return problems;
}
