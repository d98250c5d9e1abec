// The public face of ops/exp/: the runs table (`repro exp show`). The other files are its parts.

export { expShow, type ExpShowOptions, type ExpShowResult } from './show.js';
export type { ExpCell, ExpRow } from '../../model/exp.js';
