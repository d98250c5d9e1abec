import { describe, expect, it } from 'vitest';
import { IO_BUFFER_SKEW, ioBuffer } from '../../src/core/iobuf.js';

describe('ioBuffer', () => {
  it('is the size asked for, starts IO_BUFFER_SKEW into an allocation of its own, and holds what is written', () => {
    const a = ioBuffer(1 << 20);
    const b = ioBuffer(1 << 20);
    expect(a.length).toBe(1 << 20);
    expect(a.byteOffset).toBe(IO_BUFFER_SKEW);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.buffer.byteLength).toBeGreaterThanOrEqual(IO_BUFFER_SKEW + a.length);
    a.fill(7);
    b.fill(9);
    expect(a[a.length - 1]).toBe(7);
    expect(b[0]).toBe(9);
  });
});
