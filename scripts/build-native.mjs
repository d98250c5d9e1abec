#!/usr/bin/env node
// Builds the native helpers into dist/native (see each source's header for why it exists):
//   repro-spawner  from native/spawner.c: stages start through it (else through Node's spawn);
//   repro-statwalk from native/statwalk.c: the stat walk of a status's signature check (else in Node);
//   repro-dircopy  from native/dircopy.c: a push's or fetch's small objects to or from a directory remote (else in Node).
// Optional: without a C compiler repro does the same work in Node, correct but slower, so a
// missing compiler is a note, not a failure. REPRO_NO_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HELPERS = [
  { src: 'spawner.c', out: 'repro-spawner', without: "stages will start through Node's spawn (slower)" },
  { src: 'statwalk.c', out: 'repro-statwalk', flags: ['-pthread'], without: 'status will check directory signatures in Node (slower)' },
  {
    src: 'dircopy.c',
    out: 'repro-dircopy',
    flags: ['-pthread', '-ldl'],
    without: 'a push to or fetch from a directory remote will copy in Node (slower)',
  },
];
if (process.env.REPRO_NO_NATIVE === '1' || process.platform === 'win32') process.exit(0);
mkdirSync(join(root, 'dist', 'native'), { recursive: true });
const compilers = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
let cc;
for (const h of HELPERS) {
  const out = join(root, 'dist', 'native', h.out);
  const tmp = `${out}.tmp-${process.pid}`;
  let r;
  for (const c of cc ? [cc] : compilers) {
    r = spawnSync(c, ['-O2', '-o', tmp, join(root, 'native', h.src), ...(h.flags ?? [])], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (r.error?.code === 'ENOENT') continue;
    cc = c;
    break;
  }
  if (!cc) {
    console.error(`note: no C compiler (cc, gcc, clang) found; ${HELPERS.map((x) => x.without).join('; ')}`);
    process.exit(0);
  }
  if (r.status === 0) renameSync(tmp, out);
  else {
    rmSync(tmp, { force: true });
    rmSync(out, { force: true }); // a stale helper may not speak this version's protocol
    console.error(`note: ${cc} could not build native/${h.src}; ${h.without}:\n${r.stderr}`);
  }
}
