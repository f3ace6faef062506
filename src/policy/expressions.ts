// The policy expressions spawn_when, max_pilots and evict_when, evaluated over the
// observation. A runtime error (division by zero, a missing variable) is reported and
// yields the safe decision for that tick: start nothing, evict nothing.
import { truthy, type CompiledExpr } from "../expr/index.js";
import type { Observation, PolicyConfig } from "./policy-types.js";

export interface ExpressionValues {
  /** Undefined when spawn_when is not set. */
  readonly spawnWhen?: boolean;
  /** max_pilots as a whole count (floored, at least 0); undefined when not set. */
  readonly maxPilots?: number;
  readonly evictWhen?: boolean;
  /** One message per failing expression, e.g. 'spawn_when "x / y": division by zero in ...'. */
  readonly errors: readonly string[];
}

export function evaluateExpressions(cfg: PolicyConfig, obs: Observation): ExpressionValues {
  const errors: string[] = [];
  const run = (key: string, expr: CompiledExpr | undefined): number | undefined => {
    if (expr === undefined) return undefined;
    try {
      return expr.evaluate(obs);
    } catch (err) {
      // A variable absent on this host (its source missing, said in status) is named as such.
      const absent = expr.variables.filter((name) => obs[name] === undefined);
      const note = absent.length > 0 ? ` (${absent.join(", ")} absent: its source is missing here)` : "";
      errors.push(`${key} "${expr.source}": ${err instanceof Error ? err.message : String(err)}${note}`);
      return undefined;
    }
  };
  const spawn = run("spawn_when", cfg.spawnWhen);
  const max = run("max_pilots", cfg.maxPilots);
  const evict = run("evict_when", cfg.evictWhen);
  return {
    ...(spawn === undefined ? {} : { spawnWhen: truthy(spawn) }),
    ...(max === undefined ? {} : { maxPilots: Number.isNaN(max) ? 0 : Math.max(0, Math.floor(max)) }),
    ...(evict === undefined ? {} : { evictWhen: truthy(evict) }),
    errors,
  };
}
