/**
 * Typed errors with stable codes. Tests assert `code`, never the message.
 *
 * Wording follows git's guidelines: what failed first, the subject quoted, no trailing full stop;
 * the fix goes in `hint`. `main()` prints `error: <message>` and `hint: <hint>` and maps `exitCode`.
 */

/** Exit codes from SPEC.md: 0 ok, 1 a check or stage failed, 2 usage/config, 130 interrupted. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 } as const;

export type ErrorCode =
  | 'E_USAGE' // bad command line
  | 'E_CONFIG' // repro.yaml / .exprc / params content is invalid
  | 'E_YAML' // a YAML file could not be parsed
  | 'E_UNKNOWN_KEY' // a key that the schema does not know
  | 'E_INTERPOLATION' // ${...} names something that does not exist
  | 'E_CYCLE' // the stage graph has a cycle
  | 'E_DUPLICATE_OUT' // two stages write one output
  | 'E_SELF_DEP' // an output that is also a dep of its own stage
  | 'E_PATH_ESCAPE' // a path leaves the repository
  | 'E_NOT_FOUND' // a file, stage, run or revision that does not exist
  | 'E_NOT_GIT' // not inside a Git repository
  | 'E_GIT' // a Git operation failed
  | 'E_LOCKED' // another repro process holds the repository lock
  | 'E_STAGE_FAILED' // a stage command exited non-zero or did not produce an output
  | 'E_CHECK_FAILED' // a verify/replay check failed
  | 'E_CACHE' // the object cache is missing an object or is corrupt
  | 'E_UNSAVED' // the command would overwrite work that exists nowhere else (checkout of an edited output)
  | 'E_RECORD' // a run record is malformed or from a newer format
  | 'E_REMOTE' // a remote could not be reached or refused (exit 2: credentials, endpoint, bucket, permissions)
  | 'E_INTERRUPTED' // SIGINT/SIGTERM
  | 'E_INTERNAL'; // a bug: main.ts reports an exception that is neither a ReproError nor an OS error with this code; never thrown

const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  E_STAGE_FAILED: EXIT.FAILED,
  E_CHECK_FAILED: EXIT.FAILED,
  E_CACHE: EXIT.FAILED,
  E_UNSAVED: EXIT.FAILED,
  E_LOCKED: EXIT.FAILED,
  E_INTERRUPTED: EXIT.INTERRUPTED,
};

/** Where in a file an error is: 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface ReproErrorOptions {
  hint?: string;
  cause?: unknown;
  pos?: SourcePos;
}

export class ReproError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly pos?: SourcePos;

  constructor(code: ErrorCode, message: string, opts: ReproErrorOptions = {}) {
    super(opts.pos ? `${opts.pos.file}:${opts.pos.line}:${opts.pos.col}: ${message}` : message, {
      cause: opts.cause,
    });
    this.name = 'ReproError';
    this.code = code;
    this.hint = opts.hint;
    this.pos = opts.pos;
  }

  get exitCode(): number {
    return EXIT_BY_CODE[this.code] ?? EXIT.USAGE;
  }
}

export function isReproError(e: unknown, code?: ErrorCode): e is ReproError {
  return e instanceof ReproError && (code === undefined || e.code === code);
}

/** True for a Node system error with the given code (`ENOENT`, `EEXIST`, ...). */
export function isErrno(e: unknown, code: string): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}
