// Evaluates max_docks on this host. The original turned an invalid value into 0.
import { ExprEvalError } from "../expr/index.js";
import { compiledOf } from "./compile.js";
import type { Config } from "./schema.js";

export interface HostFacts {
  ncpus: number;
  ramBytes: number;
  swapBytes: number;
}

export function evaluateMaxDocks(config: Config, host: HostFacts): { value: number; error?: string } {
  if (typeof config.max_docks === "number") return { value: config.max_docks };
  try {
    const expr = compiledOf(config).maxDocks;
    if (!expr) throw new Error("max_docks is a string but did not compile");
    const raw = expr.evaluate({
      ncpus: host.ncpus,
      ram_bytes: host.ramBytes,
      swap_bytes: host.swapBytes,
      max_dock_mem: config.max_dock_mem,
      max_dock_swap: config.max_dock_swap,
    });
    return { value: Math.max(0, Math.floor(raw)) };
  } catch (err) {
    if (err instanceof ExprEvalError)
      return { value: 0, error: `max_docks "${config.max_docks}": ${err.message}; using 0` };
    throw err;
  }
}
