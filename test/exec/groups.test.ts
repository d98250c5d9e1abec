import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signalGroup } from '../../src/exec/groups.js';

const ownGroup = (): number => {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
};

describe('signalGroup', () => {
  it("never signals repro's own group, every process (-1) or a pid that is no group", () => {
    // SIGKILL: if any of these reached this process, the test runner's worker would die here.
    for (const bad of [0, -0, 1, -5, 2.5, Number.NaN, ownGroup()]) expect(signalGroup(bad, 'SIGKILL')).toBe(false);
  });

  it('still reports a group that does not exist as gone', () => {
    expect(signalGroup(2 ** 22 + 12345, 0)).toBe(false);
  });
});
