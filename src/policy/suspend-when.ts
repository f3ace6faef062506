// suspend_when (HTCondor's SUSPEND): while the expression is true every running pilot is
// paused (killed with suspend_grace 0) and none resumes; once false, the owner's CPU
// give-back resumes them after resume_after (suspend.ts), and suspend_grace kills those
// paused too long. An expression that cannot be evaluated (a variable absent on this host,
// whose source is said in status) holds: the person at the keyboard comes first.
import { truthy } from "../expr/index.js";
import type { Observation, PolicyConfig } from "./policy-types.js";

export interface SuspendWhenVerdict {
  /** Why every running pilot is paused now; undefined when suspend_when is unset or false. */
  readonly why?: string;
  /** An evaluation error, to report once. */
  readonly problem?: string;
}

export function suspendWhenVerdict(cfg: PolicyConfig, obs: Observation): SuspendWhenVerdict {
  const expr = cfg.suspendWhen;
  if (expr === undefined) return {};
  try {
    return truthy(expr.evaluate(obs)) ? { why: `suspend_when "${expr.source}" is true` } : {};
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const absent = expr.variables.filter((name) => obs[name] === undefined);
    const note = absent.length > 0 ? ` (${absent.join(", ")} absent: its source is missing here)` : "";
    return {
      why: `suspend_when "${expr.source}" cannot be evaluated${note}: paused (safe decision)`,
      problem: `suspend_when "${expr.source}": ${message}${note}: pausing the pilots (safe decision)`,
    };
  }
}
