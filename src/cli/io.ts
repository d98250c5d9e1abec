/** Where a command writes: stdout for results, stderr for progress, logs and errors. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Progress is drawn only on a TTY. */
  isTTY: boolean;
  /** stdout's width in columns when stdout is a terminal, else undefined (tables never wrap a row there). */
  columns?: number;
}

/**
 * The process's streams. A reader that goes away (`repro log | head -1`) closes the pipe: node
 * then reports EPIPE on the stream (it ignores SIGPIPE), which would end the process with a stack
 * trace. Instead, output to a closed stream is dropped and the command finishes as it would have,
 * with its own exit code: a `repro run` piped into `head` still completes and records its run.
 */
export function processIo(): Io {
  return {
    out: writer(process.stdout),
    err: writer(process.stderr),
    isTTY: Boolean(process.stderr.isTTY),
    columns: process.stdout.isTTY ? process.stdout.columns || 80 : undefined,
  };
}

function writer(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

/** Machine output: one JSON document and a newline, nothing else on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}
