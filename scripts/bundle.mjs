#!/usr/bin/env node
// Bundles src/ into one CommonJS file, dist/bundle/repro.cjs, which bin/repro.js compiles with
// a V8 code cache. Measured on the 200-stage workload: loading ~80 ES modules cost ~65 ms of
// every command's start-up; the split ES bundle ~30 ms; this file with a warm code cache ~10 ms
// (no-op run 140 -> 110 ms). tsc still emits dist/ (type checks, and scripts that import one
// module, e.g. the hashing bench); tests run from src/.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: join(outdir, 'repro.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // commander is bundled; the yaml library and the AWS SDK stay in node_modules, required
  // lazily by the commands that need them. Modules the CLI loads lazily (one per command, see
  // COMMANDS in main.ts) stay lazily evaluated inside the one file.
  // @aws-sdk/client-s3 likewise: required by remote/s3.ts only when an S3 remote is opened.
  external: ['yaml', '@aws-sdk/client-s3'],
  // import.meta.url (templates/, dist/native/, createRequire) means this file's URL; its
  // directory is as deep as dist/<module>/, so the relative paths built from it still hold.
  define: { 'import.meta.url': '__reproModuleUrl' },
  banner: { js: "const __reproModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
