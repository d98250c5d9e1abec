#!/usr/bin/env node
// The `repro` executable: loads the CLI bundle with a V8 code cache, wires signals to an
// AbortController and exits with main()'s code.
//
// Start-up is most of a no-op run, and compiling the bundle's functions was most of start-up.
// V8 can save what it compiled (createCachedData) and reuse it when given the same source:
// one cache per command (each compiles different functions), written next to the bundle after
// the command's first run, atomically; rejected caches (another node version) are rewritten,
// and an unwritable directory just means no cache. Node 22 does this itself
// (module.enableCompileCache); Node 20 does not.
//
// CommonJS (bin/package.json), not an ES module: Node's ES module loader costs every command
// ~5 ms more to start.
'use strict';
const { readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const file = join(__dirname, '..', 'dist', 'bundle', 'repro.cjs');
const argv = process.argv.slice(2);
const command = argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '-C') ?? 'help';
// V8 checks a cache against the source's length only: the name carries the bundle's size and
// mtime too, so a rebuild never runs old code from a stale cache.
const st = statSync(file);
const cacheFile = /^[a-z]+$/.test(command) ? `${file}.${command}.${st.size}-${Math.floor(st.mtimeMs)}.v8cache` : undefined;
let cachedData;
try {
  if (cacheFile) cachedData = readFileSync(cacheFile);
} catch {
  // no cache yet
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, {
  filename: file,
  cachedData,
});
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
const { main } = mod.exports;

const ac = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130); // a second Ctrl-C: leave now
    ac.abort();
  });
}
// Until main() settles: a main() that never did (the event loop ran dry) is a bug, not a success.
process.exitCode = 1;
main(argv, { signal: ac.signal }).then((code) => {
  process.exitCode = code;
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    const tmp = `${cacheFile}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      rmSync(tmp, { force: true }); // read-only install: run without a cache
    }
  }
});
