/**
 * Line diffs as a capped unified diff (the first hunks only). Pure.
 *
 * The edit script comes from jsdiff (`diff`, imported here only): it handles what a hand-written
 * Myers did not, such as a change of the final newline alone (`x` vs `x\n` shows both lines with
 * `\ No newline at end of file`, as `diff -u` does). jsdiff's cost is O(N·D); above `maxEdit`
 * differing lines it gives up and the region is shown as replaced, so a diff of two unrelated
 * large files stays cheap.
 */
import { structuredPatch, type StructuredPatchHunk } from 'diff';

export interface UnifiedDiff {
  /** `--- a`, `+++ b`, then hunks: `@@ -l,n +l,n @@` and lines prefixed ' ', '-', '+' or '\'. */
  lines: string[];
  /** 1-based line in `a` of the first difference; 0 when the texts are equal. */
  first_line: number;
  /** Lines removed and added in the whole diff (not only the part shown). */
  removed: number;
  added: number;
  /** True when hunks were left out to respect `maxLines`. */
  truncated: boolean;
}

export interface UnifiedDiffOptions {
  labels?: [string, string];
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
  /** Cap on the lines returned, headers included (default 40). */
  maxLines?: number;
  /** Above this many differing lines, the edit script is not searched: the texts are shown as replaced (default 2000). */
  maxEdit?: number;
}

const NO_NEWLINE = '\\ No newline at end of file';

export function unifiedDiff(a: string, b: string, opts: UnifiedDiffOptions = {}): UnifiedDiff {
  if (a === b) return { lines: [], first_line: 0, removed: 0, added: 0, truncated: false };
  const ctx = opts.context ?? 3;
  const max = opts.maxLines ?? 40;
  const [labelA, labelB] = opts.labels ?? ['a', 'b'];
  const patch = structuredPatch(labelA, labelB, a, b, undefined, undefined, {
    context: ctx,
    maxEditLength: opts.maxEdit ?? 2000,
  });
  const hunks = patch ? patch.hunks : [replaced(a, b)];
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  let truncated = false;
  let removed = 0;
  let added = 0;
  for (const h of hunks) {
    for (const l of h.lines) {
      if (l[0] === '-') removed++;
      else if (l[0] === '+') added++;
    }
    if (truncated) continue;
    const head = `@@ -${start(h.oldStart, h.oldLines)},${h.oldLines} +${start(h.newStart, h.newLines)},${h.newLines} @@`;
    if (out.length + 1 + h.lines.length > max) {
      const room = max - out.length - 1;
      if (room > 0) out.push(head, ...h.lines.slice(0, room));
      truncated = true;
      continue;
    }
    out.push(head, ...h.lines);
  }
  return { lines: out, first_line: firstChanged(hunks[0]!), removed, added, truncated };
}

/** As `diff -u` writes it: an empty side starts at the line before (jsdiff's hunks say the line after). */
function start(at: number, lines: number): number {
  return lines === 0 ? at - 1 : at;
}

/** 1-based line of `a` where the hunk's first change is. */
function firstChanged(h: StructuredPatchHunk): number {
  let line = h.oldStart;
  for (const l of h.lines) {
    if (l[0] !== ' ') return Math.max(line, 1);
    line++;
  }
  return Math.max(line, 1);
}

/** One hunk that removes all of `a` and adds all of `b`, for when the edit script is too costly. */
function replaced(a: string, b: string): StructuredPatchHunk {
  const side = (text: string, mark: '-' | '+'): string[] => {
    const ls = splitLines(text).map((l) => mark + l);
    if (text !== '' && !text.endsWith('\n')) ls.push(NO_NEWLINE);
    return ls;
  };
  const la = splitLines(a).length;
  const lb = splitLines(b).length;
  return {
    oldStart: 1,
    oldLines: la,
    newStart: 1,
    newLines: lb,
    lines: [...side(a, '-'), ...side(b, '+')],
  };
}

/** Split text into lines; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
