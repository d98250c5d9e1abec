import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { rangedBody, type GetPart } from '../../src/remote/ranged.js';

/** rangedBody: parallel ranged parts, yielded in order, a bounded window, failures abort the rest. */

const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const collect = async (g: AsyncIterable<Buffer>): Promise<Buffer> => {
  const out: Buffer[] = [];
  for await (const c of g) out.push(c);
  return Buffer.concat(out);
};
/** The whole object in 7-byte chunks, as a plain GET's body would stream it. */
const whole = (): Readable => Readable.from(Array.from({ length: Math.ceil(data.length / 7) }, (_, i) => data.subarray(i * 7, i * 7 + 7)));

describe('rangedBody', () => {
  it('yields the parts in order even when later parts finish first, with at most `window` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const starts: number[] = [];
    const getPart: GetPart = async (start, len) => {
      starts.push(start);
      most = Math.max(most, ++inFlight);
      // Earlier parts are slower: they complete out of order.
      await new Promise((r) => setTimeout(r, 40 - start / 50));
      inFlight--;
      return Readable.from([data.subarray(start, start + len)]);
    };
    const got = await collect(rangedBody(whole(), data.length, getPart, 100, 3));
    expect(got.equals(data)).toBe(true);
    expect(starts.sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('stops at a first response cut short (the hash check then rejects it)', async () => {
    const short = Readable.from([data.subarray(0, 50)]);
    const got = await collect(rangedBody(short, data.length, async (s, l) => Readable.from([data.subarray(s, s + l)]), 100, 4));
    expect(got.length).toBe(50);
  });

  it('fails when a part fails, and aborts the parts in flight', async () => {
    const aborted: number[] = [];
    const getPart: GetPart = async (start, len, signal) => {
      if (start === 200) throw new Error('part failed');
      await new Promise((r) => setTimeout(r, 30));
      if (signal.aborted) aborted.push(start);
      return Readable.from([data.subarray(start, start + len)]);
    };
    await expect(collect(rangedBody(whole(), data.length, getPart, 100, 4))).rejects.toThrow('part failed');
    await new Promise((r) => setTimeout(r, 60));
    expect(aborted.length).toBeGreaterThan(0);
  });
});
