// The fault suite's tally: for each kind of fault, how many were injected, how many the
// daemon survived (still up, back to what the policy wants, state right), containers
// leaked or duplicated, metric points lost. Printed as one table at the end of the run
// and written as JSON to the temp dir.
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface FaultRow {
  fault: string;
  injected: number;
  survived: number;
  leaked: number;
  pointsLost: number;
  notes: string[];
}

export class FaultSummary {
  private readonly rows = new Map<string, FaultRow>();

  row(fault: string): FaultRow {
    let r = this.rows.get(fault);
    if (!r) {
      r = { fault, injected: 0, survived: 0, leaked: 0, pointsLost: 0, notes: [] };
      this.rows.set(fault, r);
    }
    return r;
  }

  all(): FaultRow[] {
    return [...this.rows.values()];
  }

  totals(): Omit<FaultRow, "fault" | "notes"> {
    const t = { injected: 0, survived: 0, leaked: 0, pointsLost: 0 };
    for (const r of this.rows.values()) {
      t.injected += r.injected;
      t.survived += r.survived;
      t.leaked += r.leaked;
      t.pointsLost += r.pointsLost;
    }
    return t;
  }

  /** The table, one line per fault, then the totals and the notes. */
  lines(): string[] {
    const head = ["fault", "injected", "survived", "leaked", "points lost"];
    const body = this.all().map((r) => [
      r.fault,
      String(r.injected),
      String(r.survived),
      String(r.leaked),
      String(r.pointsLost),
    ]);
    const t = this.totals();
    const foot = ["TOTAL", String(t.injected), String(t.survived), String(t.leaked), String(t.pointsLost)];
    const widths = head.map((h, i) => Math.max(h.length, ...[...body, foot].map((row) => row[i]!.length)));
    const fmt = (row: string[]) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    const rule = widths.map((w) => "-".repeat(w)).join("  ");
    const out = ["fault suite summary", fmt(head), rule, ...body.map(fmt), rule, fmt(foot)];
    for (const r of this.all()) for (const n of r.notes) out.push(`  ${r.fault}: ${n}`);
    return out;
  }

  /** Writes the rows as JSON next to the other temp files; returns the path. */
  save(): string {
    const file = path.join(os.tmpdir(), "plancton-fault-summary.json");
    writeFileSync(
      file,
      `${JSON.stringify({ atMs: Date.now(), rows: this.all(), totals: this.totals() }, null, 2)}\n`,
    );
    return file;
  }
}

export const summary = new FaultSummary();
