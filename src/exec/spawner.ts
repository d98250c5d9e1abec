import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cancelled, Helper, NotTakenError } from './helper.js';
import type { ShellChild, ShellExit, ShellRequest } from './shell.js';
import { onAbort } from './abort.js';
import { mark } from '../core/timing.js';

/**
 * Starting stage shells: `/bin/sh -c CMD` in its own session (so it leads its own process group),
 * stdin from /dev/null, stdout and stderr as two streams of chunks.
 *
 * Two ways, one contract (`ShellChild`):
 * - through `repro-spawner` (native/spawner.c; its Node side is helper.ts; built into dist/native by `npm run build` when a
 *   C compiler is present): one small long-lived process forks every shell. Node's own spawn
 *   forks this whole process and wires two libuv pipes per child, ~1.5 ms of CPU per stage; on
 *   the 200-stage bench that was the largest part of repro's time (docs/bench.md).
 * - through `child_process.spawn` (detached), when the binary is absent or
 *   `REPRO_SPAWNER=node` is set.
 * Both give the same pid semantics: pid = pgid of the shell's group.
 */

export type { ShellChild, ShellExit, ShellRequest };

/** Path of the helper binary, from src/exec or dist/exec alike. */
export const SPAWNER_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'native', 'repro-spawner');

/** Starts the shell; throws (with an errno code) when it cannot be started at all. */
let firstShell = true;
export async function startShell(req: ShellRequest): Promise<ShellChild> {
  if (firstShell) {
    firstShell = false;
    mark('first stage command handed over');
  }
  const helper = useHelper() ? Helper.get(SPAWNER_PATH) : undefined;
  if (helper) {
    try {
      return await helper.start(req);
    } catch (e) {
      // Never started by the helper (it died, or cannot take this environment): start it here.
      if (!(e instanceof NotTakenError)) throw e;
    }
  }
  return req.concurrency ? startWithNodeQueued(req, req.concurrency) : startWithNode(req);
}

/** The node path's `concurrency` queue: running shells started with a limit, and those waiting. */
let nodeRunning = 0;
let nodeLimit = 0;
const nodeWaiting: Array<() => void> = [];

async function startWithNodeQueued(req: ShellRequest, limit: number): Promise<ShellChild> {
  nodeLimit = limit;
  if (req.signal?.aborted) throw cancelled();
  if (nodeRunning < nodeLimit) nodeRunning++;
  else {
    // Wait for a slot; `release` counts it for us when it hands it over.
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        unsubscribe();
        resolve();
      };
      const unsubscribe = onAbort(req.signal, () => {
        nodeWaiting.splice(nodeWaiting.indexOf(go), 1);
        reject(cancelled());
      });
      nodeWaiting.push(go);
    });
  }
  const release = () => {
    nodeRunning--;
    while (nodeRunning < nodeLimit && nodeWaiting.length) {
      nodeRunning++;
      nodeWaiting.shift()!();
    }
  };
  try {
    const child = await startWithNode(req);
    void child.exited.then(release);
    return child;
  } catch (e) {
    release();
    throw e;
  }
}

function useHelper(): boolean {
  if (process.env.REPRO_SPAWNER === 'node' || process.platform === 'win32') return false;
  if (helperPresent === undefined) helperPresent = existsSync(SPAWNER_PATH);
  return helperPresent && !Helper.broken;
}
let helperPresent: boolean | undefined;

/** True when stages start through repro-spawner, which also enforces `concurrency` itself. */
export function spawnerInUse(): boolean {
  return useHelper();
}

/**
 * Start the helper now, so its exec and start-up overlap the caller's planning instead of
 * delaying the first stage. Optional; a no-op without the helper.
 */
export function prepareShells(): void {
  if (useHelper()) Helper.get(SPAWNER_PATH);
}

function startWithNode(req: ShellRequest): Promise<ShellChild> {
  const child = spawn('/bin/sh', ['-c', req.cmd], {
    cwd: req.cwd,
    env: req.envExtra ? { ...req.env, ...req.envExtra } : req.env,
    stdio: ['ignore', req.ignoreStdout ? 'ignore' : 'pipe', 'pipe'],
    detached: true,
  });
  return new Promise((resolve, reject) => {
    if (child.pid === undefined) {
      child.once('error', reject);
      return;
    }
    req.onStarted?.(child.pid);
    child.stdout?.on('data', (d: Buffer) => req.onData?.('stdout', d));
    child.stderr?.on('data', (d: Buffer) => req.onData?.('stderr', d));
    const exited = new Promise<ShellExit>((res) => child.once('exit', (code, sig) => res({ exitCode: code, signal: sig })));
    let isClosed = false;
    const closed = new Promise<void>((res) =>
      child.once('close', () => {
        isClosed = true;
        res();
      }),
    );
    resolve({
      pid: child.pid,
      exited,
      closed,
      isClosed: () => isClosed,
      stopReading: () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        // 'close' waits for the streams it saw: destroyed streams still emit close.
      },
    });
  });
}
