// Small deterministic formatters for the decision's explanation lines.

/** A CPU fraction of the machine as cores: 0.85 of 2 CPUs -> "1.70". */
export function cores(fraction: number, ncpus: number): string {
  return (fraction * ncpus).toFixed(2);
}

export function formatRatio(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** Sizes and times are written once, in config/units.ts. */
export { formatBytes, formatIsoTime as formatTime } from "../config/units.js";

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** One pilot action as an explanation, before grouping. */
export interface ActionLine {
  readonly verb: "kill" | "remove" | "pause" | "unpause";
  readonly name: string;
  readonly reason: string;
  readonly why: string;
}

/** Consecutive actions with the same verb, reason and why become one line naming the pilots. */
export function explainLines(items: readonly (string | ActionLine)[]): string[] {
  const out: string[] = [];
  let group: ActionLine[] = [];
  const flush = (): void => {
    const first = group[0];
    if (first === undefined) return;
    const names =
      group.length <= 3
        ? group.map((a) => a.name).join(", ")
        : `${group
            .slice(0, 3)
            .map((a) => a.name)
            .join(", ")} and ${group.length - 3} more`;
    out.push(`${first.verb} ${names}: ${first.reason}: ${first.why}`);
    group = [];
  };
  for (const item of items) {
    if (typeof item === "string") {
      flush();
      out.push(item);
    } else {
      const first = group[0];
      if (
        first !== undefined &&
        (first.verb !== item.verb || first.reason !== item.reason || first.why !== item.why)
      )
        flush();
      group.push(item);
    }
  }
  flush();
  return out;
}
