// The figures a benchmark reports, and the table they are printed in.

export interface Figure {
  /** Stable key in results.json, e.g. "give_back.pause_s". */
  readonly id: string;
  /** What is measured, as printed in the table. */
  readonly figure: string;
  /** The measured value in `unit`; null when it could not be measured. */
  readonly value: number | null;
  readonly unit: string;
  /** The value as printed (defaults to value + unit). */
  readonly display?: string;
  /** The target as printed, e.g. "<= 3 s"; absent: no target, informative. */
  readonly target?: string;
  /** The reference printed beside: measured in the same run, or a quoted figure (said so). */
  readonly reference?: string;
  /** value / reference where that means something. */
  readonly ratio?: number | null;
  /** Target met; undefined when there is no target. */
  readonly pass?: boolean;
  /** One line on how it was measured or why it failed. */
  readonly note?: string;
}

export interface BenchResult {
  readonly bench: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly figures: Figure[];
  readonly notes: string[];
  /** Raw samples and settings, for results.json. */
  readonly details: Record<string, unknown>;
  /** What a following benchmark may reuse (run.ts hands scale's pilots to footprint). */
  readonly handoff?: Record<string, unknown>;
  readonly error?: string;
}

export function formatValue(f: Figure): string {
  if (f.display !== undefined) return f.display;
  if (f.value === null) return "n/a";
  const v =
    Math.abs(f.value) >= 100
      ? f.value.toFixed(0)
      : Math.abs(f.value) >= 10
        ? f.value.toFixed(1)
        : f.value.toFixed(2);
  return f.unit === "" ? v : `${v} ${f.unit}`;
}

function formatRatio(r: number | null | undefined): string {
  if (r === undefined) return "";
  if (r === null || !Number.isFinite(r)) return "n/a";
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 0.1 ? `${r.toFixed(2)}x` : `${r.toFixed(3)}x`;
}

function formatPass(p: boolean | undefined): string {
  return p === undefined ? "-" : p ? "PASS" : "FAIL";
}

/** A Markdown table: | figure | value | target | reference | ratio | pass? | */
export function figureTable(figures: readonly Figure[]): string {
  const header = ["figure", "value", "target", "reference (same run unless quoted)", "ratio", "pass?"];
  const rows = figures.map((f) => [
    f.figure,
    formatValue(f),
    f.target ?? "",
    f.reference ?? "",
    formatRatio(f.ratio),
    formatPass(f.pass),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** A figure that could not be measured: the error is its note, it fails its target. */
export function failedFigure(id: string, figure: string, target: string | undefined, err: unknown): Figure {
  return {
    id,
    figure,
    value: null,
    unit: "",
    target,
    pass: target === undefined ? undefined : false,
    note: `not measured: ${err instanceof Error ? err.message : String(err)}`,
  };
}
