import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killAll, signalGroup, signalProcess, trackGroup, untrackGroup } from '../../src/exec/groups.js';
import { running, startGroup, stops } from '../helpers/procs.js';

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

describe('signalProcess (a pid read earlier may be someone else now)', () => {
  it('refuses a process whose start time is not the one seen: the pid was given to a later process', async () => {
    const g = await startGroup('sleep 30 & echo $!; wait', 1);
    try {
      const [m] = g.members;
      // The same pid, seen when an earlier process held it: a different start time.
      expect(signalProcess({ ...m!, start: m!.start - 1 }, 'SIGKILL')).toBe(false);
      expect(signalProcess({ ...g.leader, start: g.leader.start - 1 }, 'SIGKILL')).toBe(false);
      expect(running(m!)).toBe(true);
      expect(running(g.leader)).toBe(true);
    } finally {
      g.end();
    }
  });

  it('ends a process that is not its group leader alone, never the group it is in', async () => {
    const g = await startGroup('sleep 30 & echo $!; sleep 30 & echo $!; wait', 2);
    try {
      const [target, bystander] = g.members;
      expect(target!.pgrp).toBe(g.leader.pid);
      expect(signalProcess(target!, 'SIGTERM')).toBe(true);
      expect(await stops(target!)).toBe(true);
      expect(running(bystander!)).toBe(true);
      expect(running(g.leader)).toBe(true);
    } finally {
      g.end();
    }
  });

  it('ends a group leader with its whole group', async () => {
    const g = await startGroup('sleep 30 & echo $!; wait', 1);
    expect(signalProcess(g.leader, 'SIGTERM')).toBe(true);
    expect(await stops(g.members[0]!)).toBe(true);
  });
});

describe('a tracked group whose leader pid was handed out again', () => {
  it('is not signalled, by signalGroup or killAll', async () => {
    const g = await startGroup('sleep 30 & echo $!; wait', 1);
    try {
      // Tracked when an earlier process (another start time) led group `pid`: that group is gone.
      trackGroup(g.leader.pid, g.leader.start - 1);
      expect(signalGroup(g.leader.pid, 'SIGKILL')).toBe(false);
      await killAll(100);
      expect(running(g.leader)).toBe(true);
      expect(running(g.members[0]!)).toBe(true);
      // Tracked with its own leader's start time, the same group is reached.
      trackGroup(g.leader.pid, g.leader.start);
      expect(signalGroup(g.leader.pid, 0)).toBe(true);
    } finally {
      untrackGroup(g.leader.pid);
      g.end();
    }
  });
});
