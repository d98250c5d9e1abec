#!/usr/bin/env node
// The `repro` executable: wires signals to an AbortController and exits with main()'s code.
import { main } from '../dist/bundle/main.js';

const ac = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130); // a second Ctrl-C: leave now
    ac.abort();
  });
}
const code = await main(process.argv.slice(2), { signal: ac.signal });
process.exitCode = code;
