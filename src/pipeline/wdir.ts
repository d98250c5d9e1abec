import { ReproError, type SourcePos } from '../core/errors.js';
import { isWithin } from '../core/paths.js';

/**
 * Stage working directories on disk. A `wdir` must be a directory. One that does not exist yet
 * is accepted only when a run will create it: when it is, is inside, or holds a declared output
 * (outputs' parent directories are made before a stage runs). Otherwise the stage would fail
 * with a confusing spawn error, or look like it misses its deps.
 */

export type PathKind = 'dir' | 'file' | 'missing';

/** `wdirs`: each distinct wdir and where it is first written; one `kind` call (a stat) per wdir. */
export function checkWdirs(wdirs: Map<string, SourcePos>, kind: (rel: string) => PathKind, outs: Iterable<string>): void {
  let outPaths: string[] | undefined;
  for (const [w, pos] of wdirs) {
    if (w === '') continue;
    const k = kind(w);
    if (k === 'file') {
      throw new ReproError('E_CONFIG', `wdir '${w}' is not a directory`, {
        pos,
        hint: "wdir names the directory the stage's commands run in (paths in the stage are relative to it)",
      });
    }
    if (k === 'missing') {
      outPaths ??= [...outs];
      if (outPaths.some((o) => isWithin(o, w) || isWithin(w, o))) continue;
      throw new ReproError('E_CONFIG', `wdir '${w}' does not exist`, {
        pos,
        hint: 'create the directory (Git keeps no empty directories: add a file such as .gitkeep), or fix the path',
      });
    }
  }
}
