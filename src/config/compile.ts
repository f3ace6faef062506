// Compiles what a config writes in its small languages (expressions, schedule, influxdb_url)
// once, when it is loaded: the problems go to the loader, the compiled form stays with the
// Config object for the daemon (compiledOf), which does not parse them again.
import { compileExpr, ExprSyntaxError, type CompiledExpr } from "../expr/index.js";
import { preview, type ConfigProblem } from "./errors.js";
import { parseInfluxdbUrl, type InfluxdbV1Target } from "./influxdb-url.js";
import { OBSERVATION_VARIABLE_NAMES } from "./observation-names.js";
import { parseSchedule, type ScheduleWindow } from "./schedule-parse.js";
import { MAX_DOCKS_VARIABLES, type Config } from "./schema.js";

export interface CompiledConfig {
  /** max_docks when it is an expression (over MAX_DOCKS_VARIABLES); a number needs none. */
  readonly maxDocks?: CompiledExpr;
  /** spawn_when, max_pilots, evict_when over the observation variables; absent when null. */
  readonly spawnWhen?: CompiledExpr;
  readonly maxPilots?: CompiledExpr;
  readonly evictWhen?: CompiledExpr;
  readonly suspendWhen?: CompiledExpr;
  readonly schedule: readonly ScheduleWindow[];
  /** influxdb_url, each one parsed (the v2 targets of `influxdb` are plain keys). */
  readonly influxdbTargets: readonly InfluxdbV1Target[];
}

const compiledConfigs = new WeakMap<Config, CompiledConfig>();

/** Compiles a schema-valid config; on success the result is kept for compiledOf(config). */
export function compileConfig(config: Config): { compiled?: CompiledConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const attempt = <T>(
    key: string,
    compile: () => T,
    message = (err: Error) => err.message,
  ): T | undefined => {
    try {
      return compile();
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      problems.push({ key, message: message(err) });
      return undefined;
    }
  };
  const expr = (
    key: string,
    source: string | number | null,
    vars: readonly string[],
  ): CompiledExpr | undefined => {
    if (typeof source !== "string") return undefined;
    return attempt(
      key,
      () => compileExpr(source, vars),
      (err) => {
        if (!(err instanceof ExprSyntaxError)) throw err;
        return `${err.message} in ${preview(source)}`;
      },
    );
  };
  const maxDocks = expr("max_docks", config.max_docks, MAX_DOCKS_VARIABLES);
  const spawnWhen = expr("spawn_when", config.spawn_when, OBSERVATION_VARIABLE_NAMES);
  const maxPilots = expr("max_pilots", config.max_pilots, OBSERVATION_VARIABLE_NAMES);
  const evictWhen = expr("evict_when", config.evict_when, OBSERVATION_VARIABLE_NAMES);
  const suspendWhen = expr("suspend_when", config.suspend_when, OBSERVATION_VARIABLE_NAMES);
  const schedule = attempt("schedule", () => parseSchedule(config.schedule));
  const urls = config.influxdb_url === null ? [] : [config.influxdb_url].flat();
  const influxdbTargets = urls.map((url, i) =>
    attempt(Array.isArray(config.influxdb_url) ? `influxdb_url[${i}]` : "influxdb_url", () =>
      parseInfluxdbUrl(url),
    ),
  );
  if (problems.length > 0 || schedule === undefined) return { problems };
  const compiled: CompiledConfig = {
    maxDocks,
    spawnWhen,
    maxPilots,
    evictWhen,
    suspendWhen,
    schedule,
    influxdbTargets: influxdbTargets.filter((t) => t !== undefined),
  };
  compiledConfigs.set(config, compiled);
  return { compiled, problems };
}

/**
 * The compiled form of a validated config: the one its load made. A config built another
 * way (a test, a copy) is compiled now; one that does not compile is a bug of the caller.
 */
export function compiledOf(config: Config): CompiledConfig {
  const known = compiledConfigs.get(config);
  if (known) return known;
  const { compiled, problems } = compileConfig(config);
  if (!compiled)
    throw new Error(
      `config does not compile (validate it ` +
        `first): ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`,
    );
  return compiled;
}
