/**
 * A Git repository as this module sees it. `gitdir` is the per-worktree git dir (HEAD, index);
 * `commonDir` the shared one (objects, refs, config): they differ only in a linked worktree
 * (`git worktree add`). `head`, `branch` and `shallow` are read once, by `findRepo`.
 */
export interface RepoInfo {
  /** The work tree's top directory (real path). */
  root: string;
  gitdir: string;
  /** Commit id HEAD points at, null before the first commit. */
  head: string | null;
  /** Branch short name (`main`), null when HEAD is detached. */
  branch: string | null;
  /** True in a shallow clone: history stops at the commits listed in `<commonDir>/shallow`. */
  shallow: boolean;
  /** Shared git dir (absolute). */
  commonDir?: string;
  /** `sha1` or `sha256` (`extensions.objectFormat`); object ids are 40 or 64 hex digits. */
  objectFormat?: string;
}
