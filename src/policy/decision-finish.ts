// The last step of decide(): each kill gets its signal (stop-signal.ts), the problems
// not reported before become warnings, and the next state remembers them (bounded).
import { explainLines, type ActionLine } from "./explain.js";
import { withSignal } from "./stop-signal.js";
import type { Decision, KillReason, PilotAction, PolicyState } from "./policy-types.js";

/** At most this many distinct warnings are remembered as reported. */
const MAX_REPORTED_WARNINGS = 64;

export /** Adds the warnings not reported before, and the next state that remembers them. */
function finish(
  d: Omit<Decision, "warnings" | "next" | "explain" | "kill"> & {
    kill: readonly PilotAction<KillReason>[];
    explain: readonly (string | ActionLine)[];
  },
  next: PolicyState,
  problems: readonly string[],
  stopGraceSeconds: number,
): Decision {
  const fresh = [...new Set(problems)].filter((w) => !next.warningsReported.includes(w));
  const warningsReported =
    fresh.length === 0
      ? next.warningsReported
      : [...next.warningsReported, ...fresh].slice(-MAX_REPORTED_WARNINGS);
  const clean: Record<string, unknown> = { ...next, warningsReported };
  for (const key of Object.keys(clean)) if (clean[key] === undefined) delete clean[key];
  const kill = d.kill.map((k) => withSignal(k, stopGraceSeconds));
  return {
    ...d,
    kill,
    explain: explainLines(d.explain),
    warnings: fresh,
    next: clean as unknown as PolicyState,
  };
}
