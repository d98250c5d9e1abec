/**
 * Line diffs: Myers' O(ND) shortest edit script over the lines that differ, rendered as a capped
 * unified diff (the first hunks only). Pure.
 */

export interface UnifiedDiff {
  /** `--- a`, `+++ b`, then hunks: `@@ -l,n +l,n @@` and lines prefixed ' ', '-' or '+'. */
  lines: string[];
  /** 1-based line in `a` of the first difference; 0 when the texts are equal. */
  first_line: number;
  /** Lines removed and added in the whole diff (not only the part shown). */
  removed: number;
  added: number;
  /** True when hunks were left out to respect `maxLines`. */
  truncated: boolean;
}

export interface DiffOptions {
  labels?: [string, string];
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
  /** Cap on the lines returned, headers included (default 40). */
  maxLines?: number;
  /** Above this many differing lines on both sides together, the edit script is not searched: the region is shown as replaced (default 20000). */
  maxRegion?: number;
}

type Op = { t: ' ' | '-' | '+'; text: string; a: number; b: number };

/** Split text into lines; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function unifiedDiff(a: string, b: string, opts: DiffOptions = {}): UnifiedDiff {
  const ctx = opts.context ?? 3;
  const max = opts.maxLines ?? 40;
  const la = splitLines(a);
  const lb = splitLines(b);
  let pre = 0;
  while (pre < la.length && pre < lb.length && la[pre] === lb[pre]) pre++;
  let suf = 0;
  while (suf < la.length - pre && suf < lb.length - pre && la[la.length - 1 - suf] === lb[lb.length - 1 - suf]) suf++;
  const midA = la.slice(pre, la.length - suf);
  const midB = lb.slice(pre, lb.length - suf);
  if (midA.length === 0 && midB.length === 0) return { lines: [], first_line: 0, removed: 0, added: 0, truncated: false };

  const ops: Op[] = [];
  for (let i = Math.max(0, pre - ctx); i < pre; i++) ops.push({ t: ' ', text: la[i]!, a: i, b: i });
  const mid = midA.length + midB.length <= (opts.maxRegion ?? 20000) ? myers(midA, midB) : null;
  for (const op of mid ?? replaced(midA, midB)) ops.push({ ...op, a: op.a + pre, b: op.b + pre });
  for (let i = 0; i < Math.min(ctx, suf); i++) {
    const ai = la.length - suf + i;
    const bi = lb.length - suf + i;
    ops.push({ t: ' ', text: la[ai]!, a: ai, b: bi });
  }
  const [labelA, labelB] = opts.labels ?? ['a', 'b'];
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  let truncated = false;
  for (const h of hunks(ops, ctx)) {
    if (out.length + 1 + h.length > max) {
      const room = max - out.length - 1;
      if (room > 0) out.push(header(h), ...h.map(line).slice(0, room));
      truncated = true;
      break;
    }
    out.push(header(h), ...h.map(line));
  }
  return {
    lines: out,
    first_line: pre + 1,
    removed: ops.filter((o) => o.t === '-').length,
    added: ops.filter((o) => o.t === '+').length,
    truncated,
  };
}

function line(o: Op): string {
  return o.t + o.text;
}

/** Group ops into hunks: changes closer than 2×ctx unchanged lines share one. */
function hunks(ops: Op[], ctx: number): Op[][] {
  const out: Op[][] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.t === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - ctx, out.length ? lastIndex(ops, out[out.length - 1]!) + 1 : 0);
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.t === ' ') gap++;
      if (gap < ops.length && gap - end <= 2 * ctx) end = gap;
      else {
        end = Math.min(end + ctx, ops.length);
        break;
      }
    }
    out.push(ops.slice(start, end));
    i = end;
  }
  return out;
}

function lastIndex(ops: Op[], h: Op[]): number {
  return ops.indexOf(h[h.length - 1]!);
}

function header(h: Op[]): string {
  const a = h.filter((o) => o.t !== '+');
  const b = h.filter((o) => o.t !== '-');
  const aStart = a.length ? a[0]!.a + 1 : (h[0]?.a ?? 0);
  const bStart = b.length ? b[0]!.b + 1 : (h[0]?.b ?? 0);
  return `@@ -${aStart},${a.length} +${bStart},${b.length} @@`;
}

function replaced(a: string[], b: string[]): { t: ' ' | '-' | '+'; text: string; a: number; b: number }[] {
  return [...a.map((text, i) => ({ t: '-' as const, text, a: i, b: 0 })), ...b.map((text, i) => ({ t: '+' as const, text, a: a.length, b: i }))];
}

/**
 * Myers' shortest edit script. `a`/`b` indexes on each op: for ' ' and '-' the line of `a`,
 * for ' ' and '+' the line of `b` (the other side holds the position it falls at).
 * Null when more than `maxD` lines must change: the trace kept for backtracking grows as D².
 */
export function myers(a: string[], b: string[], maxD = 1000): { t: ' ' | '-' | '+'; text: string; a: number; b: number }[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  let done = false;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break outer;
      }
    }
    if (d >= maxD) break;
  }
  if (!done) return null;
  const ops: { t: ' ' | '-' | '+'; text: string; a: number; b: number }[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const tv = trace[d]!;
    const at = (k: number): number => tv[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ t: ' ', text: a[x]!, a: x, b: y });
    }
    if (d > 0) {
      if (x === prevX) ops.push({ t: '+', text: b[prevY]!, a: x, b: prevY });
      else ops.push({ t: '-', text: a[prevX]!, a: prevX, b: y });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}
