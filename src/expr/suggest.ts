// "Did you mean ...?" for mistyped names: config keys, variables, functions.
//
// Two tiers, both case-insensitive:
//   1. edit distance (optimal string alignment: insert, delete, substitute, swap two
//      neighbours), accepted when distance <= max(2, word length / 3);
//   2. otherwise, abbreviation: the word's letters appear in order in the candidate,
//      starting with its first letter, in few runs (`secopt` -> `security_opts`).

/** Optimal-string-alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rolling rows: i-2, i-1, i.
  let before = new Array<number>(m + 1).fill(0);
  let previous = Array.from({ length: m + 1 }, (_, j) => j);
  let current = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[m] as number;
}

/**
 * Fewest runs of consecutive candidate characters that spell `word` in order, the first
 * run starting at the candidate's first character; Infinity when impossible.
 */
export function abbreviationRuns(word: string, candidate: string): number {
  const n = word.length;
  const m = candidate.length;
  if (n === 0 || m === 0 || word[0] !== candidate[0]) return Infinity;
  // runs[j]: fewest runs for word[0..i] with word[i] matched at candidate[j].
  let runs = new Array<number>(m).fill(Infinity);
  runs[0] = 1;
  for (let i = 1; i < n; i++) {
    const next = new Array<number>(m).fill(Infinity);
    let bestBefore = Infinity; // min of runs[k] for k < j - 1
    for (let j = 1; j < m; j++) {
      if (j >= 2) bestBefore = Math.min(bestBefore, runs[j - 2] as number);
      if (word[i] !== candidate[j]) continue;
      next[j] = Math.min(runs[j - 1] as number, bestBefore + 1);
    }
    runs = next;
  }
  return Math.min(...runs);
}

/** The candidate closest to `word`, or undefined when nothing is close enough. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  if (lower.length === 0 || candidates.length === 0) return undefined;
  const limit = Math.max(2, lower.length / 3);

  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const distance = editDistance(lower, other);
    // A distance as large as both words is a replacement, not a typo ("x" vs "ab").
    if (distance > limit || distance >= Math.max(lower.length, other.length)) continue;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;

  if (lower.length < 3) return undefined;
  const maxRuns = Math.max(2, Math.floor(lower.length / 2));
  let bestRuns = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const runs = abbreviationRuns(lower, other);
    if (runs > maxRuns) continue;
    const distance = editDistance(lower, other);
    if (runs < bestRuns || (runs === bestRuns && distance < bestDistance)) {
      best = candidate;
      bestRuns = runs;
      bestDistance = distance;
    }
  }
  return best;
}
