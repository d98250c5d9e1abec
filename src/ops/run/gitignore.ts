import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { isErrno } from '../../core/errors.js';

/**
 * repro's lines in the root `.gitignore`. `repro run` keeps one `/path` line per output that
 * stays out of Git (as DVC keeps one per output), in a block of its own:
 *
 *   # outputs of repro stages (kept in the repro cache, not in Git)
 *   /data/features.parquet
 *   /model.bin
 *   # end of repro outputs: repro run rewrites the lines between these comments
 *
 * The block is repro's: each run makes its `/path` lines exactly the current outputs, so a
 * removed stage's (or a now `git: true` output's) line goes. Every line outside the block is the
 * user's and is never changed; an output the user already ignores there gets no line of its own.
 * Inside the block, lines that are not `/path` lines and the `/.repro` line are kept too.
 *
 * A block written before the end marker existed (the opening comment, then lines appended over
 * time) cannot be told apart from lines the user added after it, so it is not pruned: the end
 * marker goes after its first run of lines, and pruning starts with the next change.
 */

const MARKER = '# outputs of repro stages (kept in the repro cache, not in Git)';
const END = '# end of repro outputs: repro run rewrites the lines between these comments';
const STATE_LINES = new Set(['/.repro', '.repro', '/.repro/', '.repro/']);

/**
 * Make repro's block list exactly `paths` (repo-relative outputs that stay out of Git).
 * Returns true when `.gitignore` changed.
 */
export async function syncIgnoredOutputs(root: string, paths: string[]): Promise<boolean> {
  const file = join(root, '.gitignore');
  const text = await readText(file);
  const out = syncBlock(
    text,
    [...new Set(paths)].map((p) => `/${p}`),
  );
  if (out === text) return false;
  await writeFileAtomic(file, out);
  return true;
}

/**
 * Add lines for `paths` outside repro's block (`repro init`'s `/.repro`): the user's from then
 * on, never removed. A path already ignored by an identical line is left alone.
 */
export async function addIgnored(root: string, paths: string[]): Promise<boolean> {
  const file = join(root, '.gitignore');
  const text = await readText(file);
  const have = new Set(text.split('\n').map((l) => l.trim()));
  const missing = [...new Set(paths)].map((p) => `/${p}`).filter((l) => !have.has(l) && !have.has(l.slice(1)));
  if (missing.length === 0) return false;
  await writeFileAtomic(file, withNewline(text) + missing.sort().join('\n') + '\n');
  return true;
}

/** `text` with repro's block holding `wanted` (pure; see the module comment). */
export function syncBlock(text: string, wanted: string[]): string {
  const lines = text.split('\n');
  const start = lines.indexOf(MARKER);
  if (start < 0) {
    const have = new Set(lines.map((l) => l.trim()));
    const add = wanted.filter((l) => !have.has(l) && !have.has(l.slice(1))).sort();
    return add.length ? withNewline(text) + [MARKER, ...add, END].join('\n') + '\n' : text;
  }
  let end = lines.indexOf(END, start + 1);
  const legacy = end < 0;
  if (legacy) {
    end = start + 1;
    while (end < lines.length && lines[end]!.trim() !== '' && !lines[end]!.startsWith('#')) end++;
  }
  const block = lines.slice(start + 1, end);
  const before = lines.slice(0, start);
  const after = lines.slice(legacy ? end : end + 1);
  const outside = new Set([...before, ...after].map((l) => l.trim()));
  const want = new Set(wanted);
  const kept = block.filter((l) => legacy || want.has(l.trim()) || !l.trim().startsWith('/') || STATE_LINES.has(l.trim()));
  const inBlock = new Set(kept.map((l) => l.trim()));
  const add = wanted.filter((l) => !inBlock.has(l) && !outside.has(l) && !outside.has(l.slice(1))).sort();
  const body = [...kept, ...add];
  const middle = body.length ? [MARKER, ...body, END] : [];
  return [...before, ...middle, ...after].join('\n');
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
    return '';
  }
}

function withNewline(text: string): string {
  return text.length && !text.endsWith('\n') ? text + '\n' : text;
}
