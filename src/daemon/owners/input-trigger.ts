// Whether the daemon watches the input interrupt counts between samples (host/input-watch.ts):
// only when suspend_when names an input variable, so a key press pauses the pilots within a
// fraction of a second; otherwise input_idle is read once per sample, at no extra cost.
import type { Config } from "../../config/schema.js";

const INPUT_VARIABLE = /\binput_(idle|sessions)\w*/;

export function watchesInput(config: Config): boolean {
  return typeof config.suspend_when === "string" && INPUT_VARIABLE.test(config.suspend_when);
}

const LOGIND_VARIABLE = /\b(input_idle|input_sessions|remote_sessions)\w*/;

/** Whether an expression names a variable logind feeds: then logind is asked every 5 s, else every minute. */
export function namesLogindVariable(config: Config): boolean {
  return [config.spawn_when, config.max_pilots, config.evict_when, config.suspend_when].some(
    (e) => typeof e === "string" && LOGIND_VARIABLE.test(e),
  );
}
