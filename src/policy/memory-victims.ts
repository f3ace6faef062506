// Which pilots give memory back (issue 25): the FEWEST whose memory (their own cgroup's
// usage) covers the deficit, and among sets of that size the youngest (the least work
// lost). Killed, never paused: a paused pilot keeps its memory.
//   1. k = the fewest pilots that can cover it: the k largest are the best k can do;
//   2. the set is built youngest first: a pilot is taken when the rest of the set (the
//      largest of the older ones left) can still cover what remains;
//   3. when all of them together cannot cover it, all those holding memory go (youngest
//      first): the owner needs more than the pilots hold, and all they hold is given back.
// A pilot whose usage is unknown counts 0 and is not taken for its memory; when no usage
// is known at all, the youngest alone goes (the rule before usages were read). A deficit
// of 0 or less (a memory stall with enough available memory) takes the youngest that
// holds any memory.

export interface MemoryHolder {
  readonly id: string;
  readonly createdAtMs: number;
  /** memory.usage_in_bytes (v1) or memory.current (v2); undefined: unknown. */
  readonly memoryBytes?: number;
}

const bytesOf = (p: MemoryHolder): number =>
  p.memoryBytes !== undefined && Number.isFinite(p.memoryBytes) && p.memoryBytes > 0 ? p.memoryBytes : 0;

/** Youngest first; the same age: the larger first, then as policy/pilots.ts orders them (id, descending). */
function youngestFirst<T extends MemoryHolder>(a: T, b: T): number {
  return b.createdAtMs - a.createdAtMs || bytesOf(b) - bytesOf(a) || (a.id < b.id ? 1 : -1);
}

/** The sum of the `k` largest. */
function largest(pilots: readonly MemoryHolder[], k: number): number {
  return pilots
    .map(bytesOf)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, x) => s + x, 0);
}

/** The victims, youngest first; [] when there is no pilot. */
export function memoryVictims<T extends MemoryHolder>(pilots: readonly T[], deficitBytes: number): T[] {
  const ordered = [...pilots].sort(youngestFirst);
  if (ordered.length === 0) return [];
  const holding = ordered.filter((p) => bytesOf(p) > 0);
  if (holding.length === 0) return [ordered[0]!];
  if (!(deficitBytes > 0)) return [holding[0]!];
  const total = holding.reduce((s, p) => s + bytesOf(p), 0);
  if (total < deficitBytes) return holding;
  let k = 1;
  while (largest(holding, k) < deficitBytes) k++;
  const chosen: T[] = [];
  let left = deficitBytes;
  let rest = holding;
  while (left > 0 && chosen.length < k) {
    const slots = k - chosen.length - 1;
    const i = rest.findIndex((p, at) => {
      const others = rest.filter((_, j) => j !== at);
      return bytesOf(p) + largest(others, slots) >= left;
    });
    const pick = rest[i]!; // one exists: k pilots of `rest` can cover `left` by construction
    chosen.push(pick);
    left -= bytesOf(pick);
    rest = rest.filter((_, j) => j !== i);
  }
  return chosen;
}

/** Bytes missing to min_free_mem (its bytes, or its ratio of ram_bytes); 0 when met or unknown. */
export function memoryDeficitBytes(
  obs: { readonly [name: string]: number | undefined },
  threshold: { readonly bytes?: number; readonly ratio?: number } | undefined,
): number {
  const available = obs["mem_available_bytes"];
  if (threshold === undefined || available === undefined || !Number.isFinite(available)) return 0;
  const ram = obs["ram_bytes"];
  const wanted = Math.max(
    threshold.bytes ?? 0,
    threshold.ratio !== undefined && ram !== undefined && Number.isFinite(ram) ? threshold.ratio * ram : 0,
  );
  return Math.max(0, wanted - available);
}
