import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { procStat, type ProcRef } from '../../src/core/proc.js';
import { signalProcess } from '../../src/exec/groups.js';

/** A process group of this test's making: its leader (a shell) and the pids it printed. */
export interface Group {
  leader: ProcRef;
  members: ProcRef[];
  /** Ends the whole group, verified (its leader must still be the one started here). */
  end(): void;
}

function ref(pid: number): ProcRef {
  const st = procStat(pid);
  if (!st) throw new Error(`process ${pid} is gone`);
  return { pid, start: st.start, pgrp: st.pgrp };
}

/** Live and not a zombie, and still the process `r` names. */
export function running(r: ProcRef): boolean {
  const st = procStat(r.pid);
  return st !== null && st.start === r.start && st.state !== 'Z' && st.state !== 'X';
}

/**
 * Starts `sh -c script` leading a group of its own (with `env`), where `script` starts members
 * in the background and prints each one's pid (`echo $!`), then waits. Resolves once `count`
 * members are printed and each has exec'd its program (its /proc environ holds `ready`, when
 * given: before the exec it still shows the shell's environment).
 */
export function startGroup(script: string, count: number, env: NodeJS.ProcessEnv = process.env, ready?: string[]): Promise<Group> {
  const child = spawn('/bin/sh', ['-c', script], { detached: true, env, stdio: ['ignore', 'pipe', 'ignore'] });
  child.unref();
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.stdout!.on('data', async (d: Buffer) => {
      out += d.toString();
      const pids = out.split('\n').filter(Boolean).map(Number);
      if (pids.length < count) return;
      child.stdout!.destroy();
      for (const [i, pid] of pids.entries()) {
        const want = ready?.[i];
        for (let t = 0; want && t < 500 && !readFileSync(`/proc/${pid}/environ`).includes(want); t++)
          await new Promise((r) => setTimeout(r, 10));
      }
      const leader = ref(child.pid!);
      const members = pids.map(ref);
      resolve({ leader, members, end: () => void signalProcess(leader, 'SIGKILL') });
    });
  });
}

/** Polls (bounded) until `r` no longer runs; whether it stopped. */
export async function stops(r: ProcRef): Promise<boolean> {
  for (let i = 0; i < 200 && running(r); i++) await new Promise((res) => setTimeout(res, 20));
  return !running(r);
}
