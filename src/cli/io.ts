/** Where a command writes: stdout for results, stderr for progress, logs and errors. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Progress is drawn only on a TTY. */
  isTTY: boolean;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** Machine output: one JSON document and a newline, nothing else on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}
