import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { isErrno } from '../core/errors.js';

/**
 * Keep `/path` lines in the root `.gitignore` for every output that stays out of Git, as DVC
 * keeps one per output. Only adds lines, under a marker comment; never rewrites the user's lines.
 * Returns true when the file changed.
 */
export async function ensureIgnored(root: string, paths: string[]): Promise<boolean> {
  const file = join(root, '.gitignore');
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
  const have = new Set(text.split('\n').map((l) => l.trim()));
  const missing = [...new Set(paths)].map((p) => `/${p}`).filter((l) => !have.has(l) && !have.has(l.slice(1)));
  if (missing.length === 0) return false;
  let out = text;
  if (out.length && !out.endsWith('\n')) out += '\n';
  if (!have.has(MARKER)) out += `${MARKER}\n`;
  out += missing.sort().join('\n') + '\n';
  await writeFileAtomic(file, out);
  return true;
}

const MARKER = '# outputs of repro stages (kept in the repro cache, not in Git)';
