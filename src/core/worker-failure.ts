/** An errno error as a worker thread saw it (an `Error` loses its `code` through postMessage). */
export interface WorkerFailure {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** The errno fields of a worker's failure, to put on the error the main thread throws. */
export const errnoFields = (f: WorkerFailure): Omit<WorkerFailure, 'message'> => ({
  code: f.code,
  errno: f.errno,
  syscall: f.syscall,
  path: f.path,
  dest: f.dest,
});
