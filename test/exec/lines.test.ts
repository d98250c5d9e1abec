import { describe, expect, it } from 'vitest';
import { LineSplitter, Tail } from '../../src/exec/lines.js';

function split(chunks: (string | Buffer)[], maxLine?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l), maxLine);
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and emits the unterminated rest at end', () => {
    expect(split(['ab', 'c\nde', 'f\n', 'g'])).toEqual(['abc', 'def', 'g']);
  });

  it('treats CRLF as a line end and keeps only the last carriage-return frame', () => {
    expect(split(['a\r\n', ' 10%\r 50%\r100%\n'])).toEqual(['a', '100%']);
  });

  it('decodes a UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('é\n', 'utf8');
    expect(split([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual(['é']);
  });

  it('cuts runaway lines at maxLine, terminated or not', () => {
    expect(split(['x'.repeat(10) + '\n'], 4)).toEqual(['xxxx', 'xxxx', 'xx']);
    expect(split(['xxx', 'xxx', 'xxx'], 4)).toEqual(['xxxx', 'xxxx', 'x']);
  });

  it('does not accumulate carriage-return frames of an unterminated line', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l), 8);
    for (let i = 0; i < 100; i++) s.push(`\r${i}%`);
    s.end();
    expect(out).toEqual(['99%']);
  });

  it('emits nothing for empty input but keeps empty lines', () => {
    expect(split([])).toEqual([]);
    expect(split(['\n\n'])).toEqual(['', '']);
  });
});

describe('Tail', () => {
  it('keeps the last n lines, each cut to maxChars', () => {
    const t = new Tail(2, 3);
    for (const l of ['one', 'two', 'three']) t.push(l);
    expect(t.toArray()).toEqual(['two', 'thr…']);
  });
});
