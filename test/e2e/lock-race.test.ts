import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { reproBin, tempRepos } from '../helpers/repo.js';

// Lock race stress: many real `repro run` processes started at once on one repository. Exactly
// one may run the stage per round; the rest are refused (E_LOCKED) or find it up to date.
// LOCK_RACE_ROUNDS (default 4) makes it a longer soak.
const { repo } = tempRepos();

const RACERS = 8;
const ROUNDS = Number(process.env.LOCK_RACE_ROUNDS ?? 4);
const LINES = 300;

const PIPELINE = `version: 1
stages:
  s:
    cmd: "for i in $(seq ${LINES}); do echo $i >> out.txt; done; echo $$ >> ran.log"
    deps: [in.txt]
    outs: [out.txt]
`;

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

async function round(d: string, n: number, stale: boolean): Promise<void> {
  await writeFile(join(d, 'in.txt'), `round ${n} ${stale}\n`);
  await writeFile(join(d, 'ran.log'), '');
  if (stale) {
    await mkdir(join(d, '.repro'), { recursive: true });
    const holder = {
      pid: deadPid(),
      host: hostname(),
      started: new Date(Date.now() - 60_000).toISOString(),
      command: 'run',
      token: 'deadbeefdeadbeef',
    };
    await writeFile(join(d, '.repro', 'lock'), JSON.stringify(holder) + '\n');
  }
  const results = await Promise.all(Array.from({ length: RACERS }, () => reproBin(d, ['run', '--no-record', '--json'])));
  const statuses: string[] = [];
  for (const r of results) {
    const out = JSON.parse(r.stdout);
    if (r.code === 0) {
      statuses.push(out.stages[0].status);
    } else {
      expect(r.code, r.stderr).toBe(1);
      expect(out.error.code).toBe('E_LOCKED');
      statuses.push('locked');
    }
  }
  const ctx = `round ${n}${stale ? ' (stale lock)' : ''}: ${statuses.join(' ')}`;
  // Restored (from the run cache) would mean a second holder worked beside the first.
  expect(
    statuses.filter((s) => s === 'executed'),
    ctx,
  ).toHaveLength(1);
  expect(
    statuses.filter((s) => s !== 'executed' && s !== 'up-to-date' && s !== 'locked'),
    ctx,
  ).toEqual([]);
  expect((await readFile(join(d, 'ran.log'), 'utf8')).trim().split('\n'), ctx).toHaveLength(1);
  expect((await readFile(join(d, 'out.txt'), 'utf8')).split('\n').filter(Boolean), ctx).toHaveLength(LINES);
  if (stale) {
    // The dead holder's lock was taken over once, by the racer that then held the lock.
    expect(
      results.filter((r) => /taking over a stale lock/.test(r.stderr)),
      ctx,
    ).toHaveLength(1);
  }
  const st = await reproBin(d, ['status', '--json']);
  expect(JSON.parse(st.stdout), ctx).toMatchObject({ clean: true, up_to_date: ['s'] });
  // Nothing left behind: no lock, no takeover marker, no temp file.
  expect(
    readdirSync(join(d, '.repro')).filter((f) => f === 'lock' || f.startsWith('lock.takeover-') || f.startsWith('.lock.tmp-')),
    ctx,
  ).toEqual([]);
}

describe('repository lock under simultaneous starts', () => {
  it(`${RACERS} runs at once, ${ROUNDS} rounds: one runs the stage, the others are refused or find it up to date`, async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'start\n' });
    for (let n = 0; n < ROUNDS; n++) await round(d, n, false);
  }, 120_000);

  it(`${RACERS} runs at once on a stale lock (dead pid), ${ROUNDS} rounds: exactly one takes it over`, async () => {
    const d = await repo({ 'repro.yaml': PIPELINE, 'in.txt': 'start\n' });
    for (let n = 0; n < ROUNDS; n++) await round(d, n, true);
  }, 120_000);
});
