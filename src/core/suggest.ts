/**
 * "Did you mean" suggestions: the candidate nearest to a misspelt word by edit distance
 * (Damerau–Levenshtein, optimal string alignment), when it is close enough to be a plausible typo.
 */

/** Edit distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/**
 * The candidate nearest to `word`, or undefined when none is within `max(1, len/3)` edits
 * (case-insensitive). Ties go to the earlier candidate, so callers control preference by order.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** A `hint` text: "did you mean 'x'?" when a candidate is close, else `fallback`. */
export function didYouMean(word: string, candidates: Iterable<string>, fallback?: string): string | undefined {
  const c = closest(word, candidates);
  return c !== undefined ? `did you mean '${c}'?` : fallback;
}
