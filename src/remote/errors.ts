import { ReproError, isErrno } from '../core/errors.js';

/**
 * Remote failures as `E_REMOTE` (exit 2: the remote's configuration or state, not a check, is
 * what failed). One line naming the remote and what failed, the fix in the hint.
 */
export function remoteError(label: string, what: string, hint: string, cause?: unknown): ReproError {
  return new ReproError('E_REMOTE', `remote ${label}: ${what}`, { hint, cause });
}

/** File-system errors of a directory remote, by errno. */
export function dirRemoteError(label: string, op: string, e: unknown): ReproError | undefined {
  const path = (e as NodeJS.ErrnoException).path ?? '';
  if (isErrno(e, 'EACCES') || isErrno(e, 'EPERM') || isErrno(e, 'EROFS')) {
    return remoteError(
      label,
      `cannot ${op}: permission denied or read-only: '${path}'`,
      'check that the directory is mounted read-write and writable by you (fetch and pull only need read access)',
      e,
    );
  }
  if (isErrno(e, 'ENOSPC') || isErrno(e, 'EDQUOT')) {
    return remoteError(
      label,
      `cannot ${op}: no space left: '${path}'`,
      'free space on the remote and run again: nothing half-written is kept',
      e,
    );
  }
  if (isErrno(e, 'ENOTDIR') || (op === 'create a directory' && isErrno(e, 'EEXIST'))) {
    return remoteError(
      label,
      `cannot ${op}: a file is in the way of a directory: '${path}'`,
      "check the remote's url (`repro remote list`): it must name a directory",
      e,
    );
  }
  return undefined;
}
