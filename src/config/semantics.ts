// Checks a schema-valid config for what types cannot say: expressions compile against
// their variables, schedules parse, InfluxDB URLs parse, a string docker_cmd splits.
import { compileExpr, ExprSyntaxError } from "../expr/index.js";
import { OBSERVATION_VARIABLE_NAMES } from "../host/variables.js";
import { parseInfluxdbUrl } from "../metrics/influxdb-url.js";
import { parseSchedule } from "../policy/schedule.js";
import { splitCommand } from "./command-line.js";
import { preview, type ConfigProblem } from "./errors.js";
import { MAX_DOCKS_VARIABLES, type Config } from "./schema.js";

export function checkSemantics(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const expr = (key: string, source: string | number | null, vars: readonly string[]) => {
    if (typeof source !== "string") return;
    try {
      compileExpr(source, vars);
    } catch (err) {
      if (!(err instanceof ExprSyntaxError)) throw err;
      problems.push({ key, message: `${err.message} in ${preview(source)}` });
    }
  };
  if (typeof config.docker_cmd === "string") {
    const cmd = splitCommand(config.docker_cmd);
    if (cmd.error) problems.push({ key: "docker_cmd", message: `${preview(config.docker_cmd)}: ${cmd.error}` });
  }
  expr("max_docks", config.max_docks, MAX_DOCKS_VARIABLES);
  for (const key of ["spawn_when", "max_pilots", "evict_when"] as const) expr(key, config[key], OBSERVATION_VARIABLE_NAMES);
  try {
    parseSchedule(config.schedule);
  } catch (err) {
    problems.push({ key: "schedule", message: (err as Error).message });
  }
  const urls = config.influxdb_url === null ? [] : [config.influxdb_url].flat();
  urls.forEach((url, i) => {
    try {
      parseInfluxdbUrl(url);
    } catch (err) {
      problems.push({ key: Array.isArray(config.influxdb_url) ? `influxdb_url[${i}]` : "influxdb_url", message: (err as Error).message });
    }
  });
  if (config.config_url?.startsWith("http:") && !config.allow_insecure_http) {
    problems.push({ key: "config_url", message: "plain http is refused: use https, or set allow_insecure_http: true" });
  }
  return problems;
}
