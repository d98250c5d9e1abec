#!/usr/bin/env node
// Builds dist/native/repro-spawner from native/spawner.c (see its header for why it exists).
// Optional: without a C compiler repro starts stages through Node's spawn, correct but slower,
// so a missing compiler is a note, not a failure. REPRO_NO_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'native', 'repro-spawner');
if (process.env.REPRO_NO_NATIVE === '1' || process.platform === 'win32') process.exit(0);
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
  const r = spawnSync(cc, ['-O2', '-o', tmp, join(root, 'native', 'spawner.c')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error?.code === 'ENOENT') continue;
  if (r.status === 0) {
    renameSync(tmp, out);
    process.exit(0);
  }
  rmSync(tmp, { force: true });
  console.error(`note: ${cc} could not build native/spawner.c; stages will start through Node's spawn (slower):\n${r.stderr}`);
  process.exit(0);
}
console.error("note: no C compiler (cc, gcc, clang) found; stages will start through Node's spawn (slower)");
