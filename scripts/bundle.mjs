#!/usr/bin/env node
// Bundles src/ into dist/bundle/ for bin/repro.js: loading ~80 small ES modules cost ~65 ms of
// every command's start-up (resolution and linking per module); one entry with lazy chunks per
// command loads in ~20 ms. tsc still emits dist/ (type checks, and scripts that import a module
// directly, e.g. the hashing bench); tests run from src/.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true, // each command's module graph stays a lazy chunk (see COMMANDS in main.ts)
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander is bundled (loading it as CommonJS cost ~15 ms); the yaml library and
  // isomorphic-git stay in node_modules, loaded lazily by the commands that need them. Paths
  // built from import.meta.url (templates/, dist/native/) keep their meaning because
  // dist/bundle/ is as deep as dist/<module>/.
  external: ['yaml', 'isomorphic-git', 'isomorphic-git/*'],
  // Bundled CommonJS calls require() for node's built-ins.
  banner: { js: "import { createRequire as __reproRequire } from 'node:module'; const require = __reproRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
