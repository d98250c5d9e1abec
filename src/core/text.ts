import { ReproError, isErrno } from './errors.js';

/**
 * File bytes → text for the YAML readers (repro.yaml, params files, .exprc). Invalid UTF-8 is
 * `E_CONFIG` at the line and column of the first bad byte, instead of silently becoming U+FFFD.
 * A byte-order mark is dropped.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    if (!isErrno(e, 'ERR_ENCODING_INVALID_ENCODED_DATA')) throw e;
  }
  const at = Math.max(0, firstInvalidUtf8(bytes));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, at)).length + 1;
  const byte = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
  throw new ReproError('E_CONFIG', `'${file}' is not valid UTF-8 (byte 0x${byte})`, {
    pos: { file, line, col },
    hint: `save '${file}' as UTF-8 (from Latin-1: iconv -f latin1 -t utf-8)`,
  });
}

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const c1 = b[i + 1];
    if (c1 === undefined || c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) {
      const ck = b[i + k];
      if (ck === undefined || ck < 0x80 || ck > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** How many characters of user text an error message echoes (see `clip`). */
export const CLIP_CHARS = 80;

/**
 * User text (a key, a value, a command) as an error message echoes it: at most `max` characters,
 * the rest replaced by an ellipsis, so a 100,000-character key gives a readable one-line error. Cuts between code points, never inside a surrogate pair. Use it
 * wherever an error quotes what the user wrote.
 */
export function clip(text: string, max = CLIP_CHARS): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate: keep its pair together
  return `${text.slice(0, end)}…`;
}
