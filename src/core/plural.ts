/**
 * Counts in report texts, in the right number: `count(1, 'stage')` is "1 stage",
 * `count(2, 'stage')` "2 stages"; an irregular plural is given (`count(n, 'index', 'indices')`).
 * Every sentence that puts a number before a noun goes through here, so "1 stages" cannot recur.
 */

/** The noun alone, singular for exactly 1 (and -1), plural otherwise (0 included: "0 runs"). */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return Math.abs(n) === 1 ? noun : many;
}

/** `n` and its noun: "1 run", "5 runs". */
export function count(n: number, noun: string, many?: string): string {
  return `${n} ${plural(n, noun, many)}`;
}
