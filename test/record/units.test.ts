import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isValidRunId, newRunId } from '../../src/record/index.js';

describe('newRunId', () => {
  it('is a fixed-width UTC stamp plus 6 base32 characters', () => {
    const id = newRunId(new Date('2026-11-27T22:45:13.123Z'));
    expect(id).toMatch(/^20261127T224513\.1\d\dZ-[0-9a-hjkmnp-tv-z]{6}$/);
    expect(isValidRunId(id)).toBe(true);
    execFileSync('git', ['check-ref-format', `refs/repro/runs/${id}`]); // throws when git refuses the name
  });

  it('sorts by time and strictly increases within a process, even for one instant', () => {
    const t = new Date('2030-01-01T00:00:00.000Z');
    const ids = Array.from({ length: 50 }, () => newRunId(t));
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
    expect(newRunId(new Date('2031-01-01T00:00:00.000Z')) > ids[49]!).toBe(true);
  });
});
