import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into text lines the way a terminal would show them: `\n` ends a line, and
 * within a line only the text after the last `\r` is kept (progress bars that redraw with `\r`
 * yield their final state, not every frame). UTF-8 sequences split across chunks are decoded
 * whole. A line longer than `maxLine` characters is cut there and emitted, so one runaway line
 * cannot grow memory without bound.
 *
 * With `onPartial`, the unfinished line as a terminal would show it now (a `\r` progress bar's
 * latest frame) is passed on after each chunk that leaves one and changed it; the finished line
 * still reaches `onLine` once, when its `\n` comes.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 64 * 1024,
    private readonly onPartial?: (text: string) => void,
  ) {}

  private shown = '';

  push(chunk: Uint8Array | string): void {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk as Buffer));
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      this.emit(visible(text.slice(0, nl)));
      text = text.slice(nl + 1);
      this.shown = '';
    }
    // Drop redrawn frames now (a trailing '\r' may still be half of a CRLF).
    const cr = text.lastIndexOf('\r', text.length - 2);
    if (cr !== -1) text = text.slice(cr + 1);
    while (text.length > this.maxLine) {
      this.onLine(text.slice(0, this.maxLine));
      text = text.slice(this.maxLine);
    }
    this.partial = text;
    if (this.onPartial === undefined) return;
    const now = visible(text);
    if (now !== '' && now !== this.shown) this.onPartial(now);
    this.shown = now;
  }

  /** Emits a final unterminated line, if any. Call once, at end of stream. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.emit(visible(rest));
  }

  private emit(line: string): void {
    if (line.length <= this.maxLine) return this.onLine(line);
    for (let i = 0; i < line.length; i += this.maxLine) this.onLine(line.slice(i, i + this.maxLine));
  }
}

/** What a terminal shows for one line: drops a trailing `\r` (CRLF), then keeps what follows the last `\r`. */
function visible(line: string): string {
  const s = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = s.lastIndexOf('\r');
  return cr === -1 ? s : s.slice(cr + 1);
}

/** Keeps the last `size` lines pushed, each cut to `maxChars` characters. */
export class Tail {
  private readonly lines: string[] = [];

  constructor(
    private readonly size = 20,
    private readonly maxChars = 1000,
  ) {}

  push(line: string): void {
    this.lines.push(line.length > this.maxChars ? `${line.slice(0, this.maxChars)}…` : line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  toArray(): string[] {
    return [...this.lines];
  }
}
