/**
 * Text measured in terminal cells, for lines that must never wrap: a wide character (CJK, most
 * emoji) takes two cells, a combining mark none. An approximation of wcwidth, good for the text
 * stages print; a line that measures short only leaves a cell free.
 */

/** Terminal escape sequences (CSI such as colours, OSC such as titles) and other control characters. */
const CONTROL = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** What a stage printed, safe to draw inside a status line: escapes and control characters dropped, tabs as a space. */
export function plainText(s: string): string {
  return s.replace(/[\t\n]/g, ' ').replace(CONTROL, '');
}

function cellWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** The cells `s` (plain text) takes. */
export function cells(s: string): number {
  let n = 0;
  for (const ch of s) n += cellWidth(ch.codePointAt(0)!);
  return n;
}

/** `s` (plain text) cut to at most `max` cells, ending in `…` when cut. */
export function fit(s: string, max: number): string {
  if (max <= 0) return '';
  if (cells(s) <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const w = cellWidth(ch.codePointAt(0)!);
    if (n + w > max - 1) break;
    out += ch;
    n += w;
  }
  return `${out}…`;
}

/** `s` (plain text) padded with spaces to `width` cells. */
export function padCells(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - cells(s)));
}
